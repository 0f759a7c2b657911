const { task, src, dest } = require('gulp');

// tsc compiles the code; the icons that the nodes and the credential reference ("file:pos.svg")
// are copied beside the compiled files. encoding:false keeps binary icons intact (gulp 5).
task('build:icons', () => src(['nodes/**/*.{png,svg}', 'credentials/**/*.{png,svg}'], { base: '.', encoding: false, allowEmpty: true }).pipe(dest('dist')));
