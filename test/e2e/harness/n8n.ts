/**
 * A real n8n 2.x with this package installed the way users get it, for end-to-end tests, the demo
 * and the benchmark.
 *
 *   const n8n = await startN8n({ workflows: [wf], credentials: [cred] });
 *   await fetch(n8n.triggerUrl('my-hook'), { method: 'POST', body, headers });
 *   await n8n.waitForExecutions(wf.id, 1);
 *   await n8n.stop();
 *
 * Steps: provision (scripts/provision-n8n.sh), build and `npm pack` the repo, `npm install` the
 * tarball into <N8N_USER_FOLDER>/.n8n/nodes, import credentials and workflows, publish the
 * workflows, start n8n on free ports and wait until every trigger URL answers something other
 * than 404 (n8n's /healthz answers before published workflows are active).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

import { packPackage, provisionN8n, type N8nRuntime, PACKAGE_NAME } from './provision';
import { killGroup, progress, run, seconds, settlesWithin, sleep, tailLines, waitUntil, watchdog, type Log } from './proc';
import { triggerPaths, type CredentialJson, type WorkflowJson } from './workflows';

export interface StartN8nOptions {
	workflows: WorkflowJson[];
	credentials: CredentialJson[];
	/** Extra or overriding environment for every n8n command (start and the CLI imports). */
	env?: Record<string, string>;
	/** N8N_USER_FOLDER. Default: a fresh temp folder, removed by stop() unless POS_E2E_KEEP=1. A given folder is kept. */
	userFolder?: string;
	/** Main port. Default: a free one. */
	port?: number;
	/** Webhook paths (after /webhook/) to wait for. Default: `<webhookId>/pos` of every POS Webhook Trigger. */
	readyPaths?: string[];
	/**
	 * When a ready path's answer to an unsigned, empty POST means "active". Default: any answer but
	 * none, 404 and 5xx (our trigger answers 401). Not 5xx: n8n 2.41 registers a webhook before it
	 * runs the node's activation hook, so a trigger whose activation is about to fail answers
	 * (503) for a moment, then 404 again.
	 */
	readyWhen?: (status: number) => boolean;
	/** Per boot. Default 180 s. */
	bootTimeoutMs?: number;
	/** Progress output. Default: stderr lines `[e2e hh:mm:ss] ...`. */
	log?: Log;
	/** The package tarball to install. Default: this repository, built and packed (packPackage). */
	tarball?: string;
}

export interface ExecutionRow {
	id: number;
	workflowId: string;
	status: string;
	finished: boolean;
	mode: string;
	startedAt: string | null;
	stoppedAt: string | null;
}

export interface N8nLogs {
	/** n8n's stdout and stderr, appended across restarts. */
	readonly file: string;
	text(): string;
	tail(lines?: number): string;
	/** A position in the log; pass it to since() to read what was logged after it. */
	mark(): number;
	since(mark: number): string;
}

export interface N8nTimings {
	/** scripts/provision-n8n.sh (cached: well under a second). */
	provisionMs: number;
	/** npm run build + npm pack (0 when an earlier start in this process did it). */
	packMs: number;
	/** Package install, credential and workflow import, publishing. */
	setupMs: number;
	/** Every boot: process start until all trigger URLs answer. */
	bootMs: number[];
}

export interface N8nInstance {
	/** http://127.0.0.1:<port> */
	readonly baseUrl: string;
	readonly port: number;
	readonly userFolder: string;
	readonly runtime: N8nRuntime;
	readonly timings: N8nTimings;
	readonly logs: N8nLogs;
	/** The running n8n's process id (its main process; changes at restart), for CPU accounting. */
	readonly pid: number | undefined;
	/** `${baseUrl}/webhook/${path}` */
	webhookUrl(path: string): string;
	/** Production URL of a POS Webhook Trigger: /webhook/<webhookId>/pos */
	triggerUrl(webhookId: string): string;
	/** Graceful stop (n8n saves what it holds), then the same boot again, on the same port. */
	restart(): Promise<void>;
	/** Stops n8n and its task runner (the whole process group); removes a temp user folder. Idempotent. */
	stop(): Promise<void>;
	/** Executions in n8n's SQLite database, oldest first (all workflows when no id is given). */
	executions(workflowId?: string): Promise<ExecutionRow[]>;
	executionCount(workflowId?: string): Promise<number>;
	/** Waits until at least `count` executions exist (finished ones only, by default) and returns them. */
	waitForExecutions(workflowId: string, count: number, options?: { timeoutMs?: number; finished?: boolean }): Promise<ExecutionRow[]>;
	/** The workflow's static data as n8n saved it (null when none). */
	staticData(workflowId: string): Promise<Record<string, unknown> | null>;
	/** A read-only SQL query on n8n's database (run by the Node 24 runtime's node:sqlite). */
	query<T = Record<string, unknown>>(sql: string, params?: Array<string | number | null>): Promise<T[]>;
	/**
	 * A write to n8n's database while it runs (bench set-up: e.g. the processed-data row of a
	 * long-running workflow). SQLite locks the file for it; n8n waits, as for any writer.
	 */
	write(sql: string, params?: Array<string | number | null>): Promise<void>;
}

const ENCRYPTION_KEY = 'pos-webhooks-e2e-fixed-test-key-0001';

/**
 * Environment that must not leak in from the caller: n8n's own settings, and NODE_ENV (jest sets
 * it to 'test', which makes n8n's CLI commands silently do nothing: no database, no output).
 */
const INHERITED_CONFIG = /^(N8N_|DB_|EXECUTIONS_|QUEUE_|WEBHOOK_URL$|GENERIC_TIMEZONE$|NODE_OPTIONS$|NODE_ENV$|NODES_|JEST_)/;

export async function startN8n(options: StartN8nOptions): Promise<N8nInstance> {
	const log = options.log ?? progress;
	const runtime = await provisionN8n(log);
	const { tarball, durationMs: packMs } = options.tarball ? { tarball: options.tarball, durationMs: 0 } : await packPackage(log);

	const setupStarted = Date.now();
	const ownsFolder = options.userFolder === undefined;
	const userFolder = options.userFolder ?? mkdtempSync(join(tmpdir(), 'n8n-pos-e2e-'));
	const dataFolder = join(userFolder, '.n8n');
	mkdirSync(dataFolder, { recursive: true });
	const logFile = join(userFolder, 'n8n.log');
	const port = options.port ?? (await freePort());
	const brokerPort = await freePort([port]);
	const baseUrl = `http://127.0.0.1:${port}`;

	const env: NodeJS.ProcessEnv = {};
	for (const [k, v] of Object.entries(process.env)) if (!INHERITED_CONFIG.test(k)) env[k] = v;
	Object.assign(env, {
		// n8n's task runner is started as `node`: make that the Node 24 runtime too.
		PATH: `${dirname(runtime.nodeBin)}:${process.env.PATH ?? ''}`,
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		// WEBHOOK_URL still works in 2.41 but is deprecated in favour of N8N_WEBHOOK_URL.
		N8N_WEBHOOK_URL: `${baseUrl}/`,
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		// The internal task runner's broker listens on a fixed 5679 by default: two n8n would collide.
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '20',
		GENERIC_TIMEZONE: 'UTC',
		EXECUTIONS_DATA_PRUNE: 'false',
		...options.env,
	});

	const logs = makeLogs(logFile);
	const timings: N8nTimings = { provisionMs: runtime.durationMs, packMs, setupMs: 0, bootMs: [] };
	const readyPaths = options.readyPaths ?? triggerPaths(options.workflows);
	const bootTimeoutMs = options.bootTimeoutMs ?? 180_000;
	const readyWhen = options.readyWhen ?? ((status: number) => status !== 0 && status !== 404 && status < 500);
	let child: ChildProcess | undefined;
	let exited: Promise<void> = Promise.resolve();
	let stopped = false;

	const n8nCli = async (args: string[]) => {
		const mark = logs.mark();
		appendLog(logFile, `\n$ n8n ${args.join(' ')}\n`);
		try {
			const { stdout, stderr } = await run(runtime.nodeBin, [runtime.n8nBin, ...args], { cwd: userFolder, env, timeoutMs: 5 * 60_000 });
			appendLog(logFile, stdout + stderr);
			return stdout + stderr;
		} catch (error) {
			appendLog(logFile, (error as { output?: string }).output ?? String(error));
			throw new Error(`n8n ${args.join(' ')} failed:\n${tailLines(logs.since(mark), 40)}`);
		}
	};

	const boot = async () => {
		const started = Date.now();
		log(`starting n8n on ${baseUrl} (log: ${logFile})`);
		const bootMark = logs.mark();
		appendLog(logFile, `\n$ n8n start  (${new Date().toISOString()})\n`);
		const fd = openSync(logFile, 'a');
		const proc = spawn(runtime.nodeBin, [runtime.n8nBin, 'start'], {
			cwd: userFolder,
			env,
			stdio: ['ignore', fd, fd],
			detached: true, // its own process group: stop() kills n8n and its task runner together
		});
		closeSync(fd);
		watchdog(proc.pid);
		child = proc;
		let exitInfo: string | undefined;
		exited = new Promise((resolve) => {
			proc.on('exit', (code, signal) => {
				exitInfo = `exit ${code ?? signal}`;
				resolve();
			});
			proc.on('error', (error) => {
				exitInfo = `could not start: ${error.message}`;
				resolve();
			});
		});
		const fail = (why: string) => {
			// Without the 404s our own readiness probes caused, which would fill the tail.
			const text = logs.since(bootMark).split('\n').filter((l) => !/unknown webhook|404 The requested webhook/.test(l)).join('\n');
			return new Error(`n8n did not become ready: ${why}\n--- n8n log (tail, readiness-probe 404s left out) ---\n${tailLines(text, 60)}`);
		};
		const deadline = started + bootTimeoutMs;
		await waitUntil(
			async () => {
				if (exitInfo) throw fail(`process ended (${exitInfo})`);
				return (await httpStatus(`${baseUrl}/healthz`, 'GET')) === 200 ? true : undefined;
			},
			{ timeoutMs: bootTimeoutMs, intervalMs: 200, describe: () => 'GET /healthz' },
		).catch((e) => {
			throw e instanceof Error && e.message.startsWith('n8n did not') ? e : fail(String(e));
		});
		// n8n 2.41 was seen answering 404 for a moment right after every trigger URL had answered
		// (in the trigger e2e and the demo): so all of them must answer twice, 3 s apart.
		const waitForTriggerUrls = async () => {
			for (const path of readyPaths) {
				// An unsigned, empty POST: 404 until the workflow is active, then our trigger's 401.
				let lastStatus = 0;
				await waitUntil(
					async () => {
						if (exitInfo) throw fail(`process ended (${exitInfo})`);
						lastStatus = await httpStatus(`${baseUrl}/webhook/${path}`, 'POST');
						return readyWhen(lastStatus) ? lastStatus : undefined;
					},
					{
						timeoutMs: Math.max(1000, deadline - Date.now()),
						intervalMs: 200,
						describe: () => `POST /webhook/${path} still answers ${lastStatus || 'nothing'} (is the workflow's activation failing? see the log)`,
					},
				).catch((e) => {
					throw e instanceof Error && e.message.startsWith('n8n did not') ? e : fail(String(e));
				});
			}
		};
		for (let pass = 0; pass < 2; pass++) {
			if (pass > 0) await sleep(3000);
			await waitForTriggerUrls();
		}
		const ms = Date.now() - started;
		timings.bootMs.push(ms);
		log(`n8n ready in ${seconds(ms)} (${readyPaths.length} trigger URL${readyPaths.length === 1 ? '' : 's'} active)`);
	};

	const halt = async () => {
		const proc = child;
		child = undefined;
		if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
		killGroup(proc.pid, 'SIGTERM');
		const graceful = await settlesWithin(exited, 30_000);
		if (!graceful) log('n8n did not stop within 30 s of SIGTERM; killing it');
		killGroup(proc.pid, 'SIGKILL'); // the task runner too, if it outlived n8n
		await settlesWithin(exited, 5_000);
	};

	const stop = async () => {
		if (stopped) return;
		stopped = true;
		await halt();
		if (ownsFolder && process.env.POS_E2E_KEEP !== '1') rmSync(userFolder, { recursive: true, force: true });
		else log(`kept n8n user folder ${userFolder}`);
	};

	const databaseFile = join(dataFolder, 'database.sqlite');
	const query = <T>(sql: string, params: Array<string | number | null> = []) => sqliteQuery<T>(runtime.nodeBin, databaseFile, sql, params);
	const write = async (sql: string, params: Array<string | number | null> = []) => {
		await sqliteQuery(runtime.nodeBin, databaseFile, sql, params, { write: true });
	};
	const executions = (workflowId?: string) =>
		query<ExecutionRow>(
			`SELECT id, workflowId, status, finished, mode, startedAt, stoppedAt FROM execution_entity
			 WHERE deletedAt IS NULL ${workflowId === undefined ? '' : 'AND workflowId = ?'} ORDER BY id`,
			workflowId === undefined ? [] : [workflowId],
		).then((rows) => rows.map((r) => ({ ...r, finished: Boolean(r.finished) })));

	try {
		log(`installing ${basename(tarball)} into ${join(dataFolder, 'nodes')}`);
		await installPackage(tarball, join(dataFolder, 'nodes'));
		const credentialsFile = join(userFolder, 'credentials.json');
		const workflowsFile = join(userFolder, 'workflows.json');
		writeFileSync(credentialsFile, JSON.stringify(options.credentials, null, 2));
		writeFileSync(workflowsFile, JSON.stringify(options.workflows, null, 2));
		log(`importing ${options.credentials.length} credential(s) and ${options.workflows.length} workflow(s)`);
		if (options.credentials.length > 0) await n8nCli(['import:credentials', `--input=${credentialsFile}`]);
		if (options.workflows.length > 0) {
			const out = await n8nCli(['import:workflow', `--input=${workflowsFile}`]);
			if (!new RegExp(`imported ${options.workflows.length} workflow`, 'i').test(out)) {
				throw new Error(`n8n import:workflow did not import every workflow:\n${tailLines(out, 20)}`);
			}
		}
		for (const workflow of options.workflows) {
			log(`publishing workflow ${workflow.id} (${workflow.name})`);
			await n8nCli(['publish:workflow', `--id=${workflow.id}`]);
		}
		timings.setupMs = Date.now() - setupStarted;
		log(`n8n set up in ${seconds(timings.setupMs)}`);
		await boot();
	} catch (error) {
		await stop().catch(() => undefined);
		throw error;
	}

	return {
		baseUrl,
		port,
		userFolder,
		runtime,
		timings,
		logs,
		get pid() {
			return child?.pid;
		},
		webhookUrl: (path) => `${baseUrl}/webhook/${path.replace(/^\//, '')}`,
		triggerUrl: (webhookId) => `${baseUrl}/webhook/${webhookId}/pos`,
		async restart() {
			if (stopped) throw new Error('n8n was stopped');
			log('restarting n8n');
			await halt();
			await boot();
		},
		stop,
		write,
		executions,
		executionCount: async (workflowId) => (await executions(workflowId)).length,
		async waitForExecutions(workflowId, count, { timeoutMs = 30_000, finished = true } = {}) {
			let last: ExecutionRow[] = [];
			return waitUntil(
				async () => {
					last = await executions(workflowId);
					const counted = finished ? last.filter((e) => e.stoppedAt !== null && e.status !== 'running' && e.status !== 'new') : last;
					return counted.length >= count ? last : undefined;
				},
				{
					timeoutMs,
					intervalMs: 150,
					describe: () => `${count} execution(s) of ${workflowId}; have ${JSON.stringify(last)}\n--- n8n log (tail) ---\n${logs.tail(30)}`,
				},
			);
		},
		async staticData(workflowId) {
			const rows = await query<{ staticData: string | null }>('SELECT staticData FROM workflow_entity WHERE id = ?', [workflowId]);
			const text = rows[0]?.staticData;
			return text ? (JSON.parse(text) as Record<string, unknown>) : null;
		},
		query,
	};
}

/** Installs the tarball like a user's n8n does: npm, into .n8n/nodes, no peer dependencies, no scripts. */
async function installPackage(tarball: string, nodesFolder: string): Promise<void> {
	mkdirSync(nodesFolder, { recursive: true });
	const local = join(nodesFolder, basename(tarball));
	copyFileSync(tarball, local);
	const manifest = join(nodesFolder, 'package.json');
	if (!existsSync(manifest)) writeFileSync(manifest, JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2));
	// n8n itself drops peerDependencies (n8n-workflow is provided by n8n) and runs no scripts.
	await run('npm', ['install', `./${basename(tarball)}`, '--legacy-peer-deps', '--ignore-scripts', '--no-audit', '--no-fund', '--package-lock=false'], {
		cwd: nodesFolder,
		timeoutMs: 3 * 60_000,
	});
	const installed = join(nodesFolder, 'node_modules', PACKAGE_NAME, 'package.json');
	if (!existsSync(installed)) throw new Error(`npm install did not produce ${installed}`);
}

function makeLogs(file: string): N8nLogs {
	const text = () => (existsSync(file) ? readFileSync(file, 'utf8') : '');
	return {
		file,
		text,
		tail: (lines = 40) => tailLines(text(), lines),
		mark: () => (existsSync(file) ? statSync(file).size : 0),
		since: (mark) => (existsSync(file) ? readFileSync(file).subarray(mark).toString('utf8') : ''),
	};
}

function appendLog(file: string, text: string): void {
	writeFileSync(file, text, { flag: 'a' });
}

/** A free TCP port on 127.0.0.1 (the OS picks; `avoid` guards against handing out the same one twice). */
export async function freePort(avoid: number[] = []): Promise<number> {
	for (let attempt = 0; attempt < 20; attempt++) {
		const port = await new Promise<number>((resolve, reject) => {
			const server = createServer();
			server.once('error', reject);
			server.listen(0, '127.0.0.1', () => {
				const address = server.address();
				const p = typeof address === 'object' && address ? address.port : 0;
				server.close(() => resolve(p));
			});
		});
		if (port !== 0 && !avoid.includes(port)) return port;
	}
	throw new Error('no free port');
}

/** Status of one request, 0 when nothing answers. */
async function httpStatus(url: string, method: 'GET' | 'POST'): Promise<number> {
	try {
		const res = await fetch(url, { method, signal: AbortSignal.timeout(5_000), ...(method === 'POST' ? { body: '' } : {}) });
		await res.arrayBuffer();
		return res.status;
	} catch {
		return 0;
	}
}

const SQLITE_SCRIPT = `
const { DatabaseSync } = require('node:sqlite');
const [file, sql, mode] = process.argv.slice(1);
const params = require('node:fs').readFileSync(0, 'utf8');
const db = new DatabaseSync(file, mode === 'write' ? { timeout: 10000 } : { readOnly: true });
try {
	if (mode === 'write') {
		db.prepare(sql).run(...JSON.parse(params));
		process.stdout.write('[]');
	} else {
		const rows = db.prepare(sql).all(...JSON.parse(params));
		process.stdout.write(JSON.stringify(rows, (k, v) => (typeof v === 'bigint' ? Number(v) : v)));
	}
} finally {
	db.close();
}`;

/**
 * n8n's SQLite from the test process: its sqlite3 module is built for Node 24 and Node 20 has no
 * node:sqlite, so one short Node 24 process (built-in node:sqlite) runs the query (read-only
 * unless it is a write). WAL mode lets it read while n8n writes. The parameters go through stdin:
 * one argument may hold at most 128 KB.
 */
function sqliteQuery<T>(nodeBin: string, file: string, sql: string, params: Array<string | number | null>, options: { write?: boolean } = {}): Promise<T[]> {
	return new Promise((resolve, reject) => {
		const child = execFile(
			nodeBin,
			['--no-warnings', '-e', SQLITE_SCRIPT, file, sql, options.write ? 'write' : 'read'],
			{ maxBuffer: 64 * 1024 * 1024, timeout: 30_000 },
			(error, stdout, stderr) => {
				if (error) reject(new Error(`SQLite query failed: ${sql}\n${stderr || error.message}`));
				else resolve(JSON.parse(stdout || '[]') as T[]);
			},
		);
		child.stdin?.end(JSON.stringify(params));
	});
}
