/**
 * scripts/provision-n8n.sh run the way `npm run ...` runs it: with npm_config_ignore_scripts=true
 * inherited from this repo's .npmrc. A cache whose native modules do not load (as every cache built
 * through `npm run` before the fix was) must be repaired and proven, never reported ready.
 *
 * The poisoned cache is a copy of the real one made of hard links (seconds, no disk), except the two
 * native packages, which are real copies (a rebuild writes into them, and must not write through a
 * hard link into the user's cache). Their compiled binaries are then deleted.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { provisionN8n } from './harness/provision';
import { run } from './harness/proc';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'provision-n8n.sh');
const N8N_VERSION = '2.41.0';

function npmRunEnv(cache: string): NodeJS.ProcessEnv {
	// What `npm run` passes to its children when .npmrc says ignore-scripts=true.
	return { ...process.env, POS_WEBHOOKS_CACHE: cache, npm_config_ignore_scripts: 'true', NPM_CONFIG_IGNORE_SCRIPTS: 'true' };
}

describe('scripts/provision-n8n.sh under npm_config_ignore_scripts=true', () => {
	let realCache: string;
	let poisoned: string;

	beforeAll(async () => {
		const runtime = await provisionN8n(); // the real cache, proven
		realCache = join(runtime.n8nBin, '..', '..', '..', '..', '..');
		poisoned = mkdtempSync(join(tmpdir(), 'pos-provision-'));
		const nodeDir = readdirSync(realCache).find((d) => d.startsWith('node-'));
		if (!nodeDir) throw new Error(`no node-* folder in ${realCache}`);
		const n8nDir = `n8n-${N8N_VERSION}`;
		execFileSync('cp', ['-al', join(realCache, nodeDir), join(poisoned, nodeDir)]);
		execFileSync('cp', ['-al', join(realCache, n8nDir), join(poisoned, n8nDir)]);
		for (const pkg of ['sqlite3', 'isolated-vm']) {
			const dir = join(poisoned, n8nDir, 'node_modules', pkg);
			rmSync(dir, { recursive: true, force: true });
			cpSync(join(realCache, n8nDir, 'node_modules', pkg), dir, { recursive: true, dereference: false });
		}
		// A poisoned cache: marked done, sqlite3 never built (what a no-op `npm rebuild` leaves; isolated-vm
		// loads from its prebuilt binary for Node 24, so it is proven but not poisoned here).
		rmSync(join(poisoned, n8nDir, 'node_modules', 'sqlite3', 'build'), { recursive: true, force: true });
		writeFileSync(join(poisoned, n8nDir, '.done'), '');
	}, 20 * 60_000);

	afterAll(() => {
		if (poisoned) rmSync(poisoned, { recursive: true, force: true });
	});

	it('finds the poisoned cache, says so in one line, rebuilds and proves it', async () => {
		const { stdout } = await run('bash', [SCRIPT], { env: npmRunEnv(poisoned), timeoutMs: 15 * 60_000 });
		const repairLines = stdout.split('\n').filter((l) => l.includes('fails its check'));
		expect(repairLines).toHaveLength(1);
		expect(repairLines[0]).toContain('sqlite3 does not load');
		expect(repairLines[0]).toContain('repairing it');
		expect(stdout).toContain('ready: n8n 2.41.0');
		expect(existsSync(join(poisoned, `n8n-${N8N_VERSION}`, 'node_modules', 'sqlite3', 'build', 'Release', 'node_sqlite3.node'))).toBe(true);
		expect(stdout.trim().split('\n').at(-1)).toMatch(/^N8N_ENV NODE_BIN=\S+ N8N_BIN=\S+$/);
	}, 15 * 60_000);

	it('proves a good cache on every call and changes nothing', async () => {
		const { stdout } = await run('bash', [SCRIPT], { env: npmRunEnv(poisoned), timeoutMs: 60_000 });
		expect(stdout).not.toContain('fails its check');
		expect(stdout).not.toContain('building native modules');
		expect(stdout).toContain('sqlite3 and isolated-vm load, n8n --version answers');
	}, 60_000);
});
