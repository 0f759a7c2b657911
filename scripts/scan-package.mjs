#!/usr/bin/env node
// Runs n8n's own verification scanner (@n8n/scan-community-package, its exported analyzePackage)
// the way n8n runs it on a published package (analyzePackageByName in its scanner.mjs): once on
// the source (package.json, nodes/, credentials/) and once on the tarball npm would publish
// (compiled .js and the packed package.json). n8n also checks npm provenance and fetches the
// source from GitHub; neither can happen before publishing, so publish.yml takes care of them.
//
//   node scripts/scan-package.mjs              source + `npm pack` tarball (needs `npm run build`)
//   node scripts/scan-package.mjs --source DIR only the source leg, on DIR (used by the tests)
//
// Exit code 0 when every leg passes, 1 otherwise. The last line is JSON: { passed, legs }.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { analyzePackage, SOURCE_FILE_PATTERNS } from '@n8n/scan-community-package/scanner/scanner.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** What n8n lints in the tarball (analyzePackageByName): compiled code and the published package.json. */
const TARBALL_FILE_PATTERNS = ['**/*.js', 'package.json'];

function run(command, args, cwd) {
	const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
	if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
	return result.stdout;
}

/** Packs the package as `npm publish` would and unpacks it into a temporary folder. */
function packTarball(work) {
	const [packed] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], root));
	const unpacked = path.join(work, 'package');
	run('tar', ['-xzf', path.join(work, packed.filename), '-C', work], root);
	if (!packed.files.some((f) => f.path.startsWith('dist/'))) {
		throw new Error('The tarball holds no dist/ folder: run `npm run build` first');
	}
	return { dir: unpacked, files: packed.files.length, bytes: packed.size };
}

async function main() {
	const sourceIndex = process.argv.indexOf('--source');
	const legs = [];
	const check = async (name, dir, patterns, extra = {}) => {
		const result = await analyzePackage(dir, patterns);
		legs.push({ name, passed: result.passed, message: result.message, ...extra });
		console.log(`${result.passed ? 'PASS' : 'FAIL'} n8n scanner, ${name}${result.message ? `: ${result.message}` : ''}`);
		if (result.details) console.log(result.details.trim());
	};

	if (sourceIndex !== -1) {
		await check('source', path.resolve(process.argv[sourceIndex + 1] ?? '.'), SOURCE_FILE_PATTERNS);
	} else {
		await check('source', root, SOURCE_FILE_PATTERNS);
		const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-scan-'));
		try {
			const tarball = packTarball(work);
			await check('tarball', tarball.dir, TARBALL_FILE_PATTERNS, { files: tarball.files, bytes: tarball.bytes });
		} finally {
			fs.rmSync(work, { recursive: true, force: true });
		}
	}
	const passed = legs.every((l) => l.passed);
	console.log(JSON.stringify({ passed, legs }));
	process.exitCode = passed ? 0 : 1;
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
