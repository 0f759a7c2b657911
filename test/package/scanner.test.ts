import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * n8n's verification scanner (@n8n/scan-community-package) as scripts/scan-package.mjs runs it,
 * and the project's own lint, which must read package.json the way the scanner does.
 * `npm test` also runs the script on the packed tarball (scripts/test.sh).
 */
const root = path.resolve(__dirname, '../..');
// Jest sets NODE_ENV=test, which puts eslint-plugin-n8n-nodes-base into its own test mode (fake
// file names, other rules: its ast/utils/filename.js): the scanner and lint run as in a shell.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_ENV'));
const packageJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;

function scanSource(dir: string): { status: number | null; stdout: string; verdict: { passed: boolean; legs: Array<{ name: string; passed: boolean }> } } {
	const result = spawnSync(process.execPath, [path.join(root, 'scripts/scan-package.mjs'), '--source', dir], { cwd: root, env, encoding: 'utf8' });
	const lastLine = result.stdout.trim().split('\n').pop() ?? '{}';
	return { status: result.status, stdout: result.stdout, verdict: JSON.parse(lastLine) };
}

function lintPackageJson(text: string): { status: number | null; stdout: string } {
	// The project's lint, as `npm run lint` runs it, on a package.json given on stdin.
	const eslint = path.join(root, 'node_modules/eslint/bin/eslint.js');
	return spawnSync(process.execPath, [eslint, '--stdin', '--stdin-filename', 'package.json'], { cwd: root, env, input: text, encoding: 'utf8' });
}

function tempPackage(files: Record<string, string>): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-scan-test-'));
	for (const [name, text] of Object.entries(files)) {
		fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
		fs.writeFileSync(path.join(dir, name), text);
	}
	return dir;
}

const withoutAuthorEmail = JSON.stringify({ ...packageJson, author: { name: 'someone' }, homepage: undefined }, null, 2);

describe("n8n's community package scanner", () => {
	jest.setTimeout(60_000);
	const dirs: string[] = [];
	afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

	test('passes on the source: package.json, nodes/ and credentials/ (codex files included)', () => {
		const { status, verdict } = scanSource(root);
		expect(verdict).toEqual({ passed: true, legs: [{ name: 'source', passed: true }] });
		expect(status).toBe(0);
	});

	test('fails on a package.json without author email, naming the rule', () => {
		const dir = tempPackage({ 'package.json': withoutAuthorEmail });
		dirs.push(dir);
		const { status, stdout, verdict } = scanSource(dir);
		expect(verdict.passed).toBe(false);
		expect(status).toBe(1);
		expect(stdout).toContain('@n8n/community-nodes/valid-author');
		expect(stdout).toContain('@n8n/community-nodes/require-homepage');
	});

	test('fails on node code that n8n forbids (a runtime import other than n8n-workflow)', () => {
		const dir = tempPackage({
			'package.json': JSON.stringify(packageJson),
			'nodes/Bad/Bad.node.ts': "import axios from 'axios';\nexport const get = () => axios.get('https://example.com');\n",
		});
		dirs.push(dir);
		const { status, stdout } = scanSource(dir);
		expect(status).toBe(1);
		expect(stdout).toMatch(/Bad\.node\.ts[\s\S]*error/);
	});

	test('the project lint reads package.json as the scanner does: the same error for a missing author email', () => {
		const bad = lintPackageJson(withoutAuthorEmail);
		expect(bad.stdout).toContain('@n8n/community-nodes/valid-author');
		expect(bad.status).toBe(1);
		const good = lintPackageJson(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
		expect(good.stdout).toBe('');
		expect(good.status).toBe(0);
	});

	test('package.json names the repository, homepage, bugs and an author with email', () => {
		expect(packageJson).toMatchObject({
			repository: { type: 'git', url: expect.stringMatching(/^git\+https:\/\/github\.com\/[^/]+\/[^/]+\.git$/) },
			homepage: expect.stringMatching(/^https:\/\//),
			bugs: { url: expect.stringMatching(/\/issues$/) },
			author: { name: expect.any(String), email: expect.stringMatching(/^[^@\s]+@[^@\s]+\.[a-z]+$/) },
		});
	});
});
