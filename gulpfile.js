const { task, src, dest, parallel } = require('gulp');

// tsc compiles the code; gulp copies what tsc does not beside the compiled files:
// - the icons that the nodes and the credential reference ("file:pos.svg"); encoding:false keeps
//   binary icons intact (gulp 5);
// - each node's codex file (X.node.json beside X.node.js): n8n-core's DirectoryLoader.getCodex
//   reads `${nodeFile}on`, giving the node its nodes-panel categories, search aliases and doc links.
task('build:icons', () => src(['nodes/**/*.{png,svg}', 'credentials/**/*.{png,svg}'], { base: '.', encoding: false, allowEmpty: true }).pipe(dest('dist')));
task('build:codex', () => src(['nodes/**/*.node.json'], { base: '.', allowEmpty: true }).pipe(dest('dist')));
task('build:assets', parallel('build:icons', 'build:codex'));
