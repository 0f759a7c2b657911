/**
 * Getting the things a real n8n run needs: a Node 24 runtime and n8n itself (scripts/provision-n8n.sh,
 * cached under the user's home), and our package built and packed the way users receive it.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { progress, run, seconds, type Log } from './proc';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const PACKAGE_NAME = 'n8n-nodes-pos-webhooks';

export interface N8nRuntime {
	/** Node 24 binary that runs n8n. */
	nodeBin: string;
	/** n8n's bin/n8n script. */
	n8nBin: string;
	/** How long the provisioning script took (a few hundred ms when cached). */
	durationMs: number;
}

let runtime: Promise<N8nRuntime> | undefined;

/**
 * Runs scripts/provision-n8n.sh (idempotent; minutes on a fresh machine, instant when cached),
 * streaming its progress, and parses its last line `N8N_ENV NODE_BIN=... N8N_BIN=...`.
 * Once per process.
 */
export function provisionN8n(log: Log = progress): Promise<N8nRuntime> {
	runtime ??= (async () => {
		log('provisioning n8n (scripts/provision-n8n.sh; cached after the first run)');
		const { stdout, durationMs } = await run('bash', [join(REPO_ROOT, 'scripts', 'provision-n8n.sh')], {
			cwd: REPO_ROOT,
			timeoutMs: 30 * 60_000,
			onLine: (line) => {
				if (line.trim() !== '' && !line.startsWith('N8N_ENV ')) log(`  ${line}`);
			},
		});
		const last = stdout.trim().split('\n').reverse().find((line) => line.startsWith('N8N_ENV '));
		const nodeBin = /NODE_BIN=(\S+)/.exec(last ?? '')?.[1];
		const n8nBin = /N8N_BIN=(\S+)/.exec(last ?? '')?.[1];
		if (!nodeBin || !n8nBin) throw new Error(`provision-n8n.sh printed no N8N_ENV line:\n${stdout}`);
		for (const file of [nodeBin, n8nBin]) if (!existsSync(file)) throw new Error(`provisioned file missing: ${file}`);
		log(`provisioned in ${seconds(durationMs)}: node ${nodeBin}`);
		return { nodeBin, n8nBin, durationMs };
	})();
	runtime.catch(() => (runtime = undefined));
	return runtime;
}

export interface PackedPackage {
	tarball: string;
	/** Build + pack time; 0 when an earlier call in this process (or POS_E2E_TARBALL) provided it. */
	durationMs: number;
}

let packed: Promise<PackedPackage> | undefined;

/**
 * `npm run build` in the repo, then `npm pack` into a temp folder: the tarball is exactly what
 * npm would publish. Once per process (jest --runInBand runs every e2e file in one process; the
 * tarball is kept in a folder named after the process id so later test files reuse it).
 * POS_E2E_TARBALL=<path> skips both steps.
 */
export function packPackage(log: Log = progress): Promise<PackedPackage> {
	packed ??= (async () => {
		const given = process.env.POS_E2E_TARBALL;
		if (given) {
			if (!existsSync(given)) throw new Error(`POS_E2E_TARBALL=${given} does not exist`);
			return { tarball: resolve(given), durationMs: 0 };
		}
		removeStalePackDirs();
		const dir = join(tmpdir(), `${PACK_DIR_PREFIX}${processKey(process.pid)}`);
		const existing = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.tgz')) : undefined;
		if (existing) return { tarball: join(dir, existing), durationMs: 0 };
		mkdirSync(dir, { recursive: true });
		const started = Date.now();
		log('building the package (npm run build)');
		await run('npm', ['run', 'build'], { cwd: REPO_ROOT, timeoutMs: 5 * 60_000 });
		const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: REPO_ROOT, timeoutMs: 2 * 60_000 });
		const name = stdout.trim().split('\n').pop()?.trim() ?? '';
		const tarball = join(dir, name);
		if (!name.endsWith('.tgz') || !existsSync(tarball)) throw new Error(`npm pack produced no tarball (output: ${stdout})`);
		const durationMs = Date.now() - started;
		log(`built and packed ${name} in ${seconds(durationMs)}`);
		return { tarball, durationMs };
	})();
	packed.catch(() => (packed = undefined));
	return packed;
}

const PACK_DIR_PREFIX = `${PACKAGE_NAME}-e2e-pack-`;

/** pid plus the process's start time (from /proc), so a reused pid never finds an old tarball. */
function processKey(pid: number): string {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
		return `${pid}-${startTime}`;
	} catch {
		return `${pid}-${Date.now()}`; // no /proc: no reuse across test files, still correct
	}
}

/** Tarball folders of test runs that have ended. */
function removeStalePackDirs(): void {
	for (const name of readdirSync(tmpdir())) {
		if (!name.startsWith(PACK_DIR_PREFIX)) continue;
		const [pid] = name.slice(PACK_DIR_PREFIX.length).split('-');
		if (name.slice(PACK_DIR_PREFIX.length) !== processKey(Number(pid))) {
			rmSync(join(tmpdir(), name), { recursive: true, force: true });
		}
	}
}
