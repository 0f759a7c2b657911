/**
 * A real n8n 2.x queue-mode cluster for end-to-end tests: Postgres and Redis (the machine's own,
 * started if stopped), one main, `n8n webhook` processes and one `n8n worker`, each with its own
 * user folder holding the packed package(s) installed as users install them (npm into
 * .n8n/nodes, no scripts, no peer dependencies).
 *
 * Isolation per run: a fresh Postgres database and fresh Redis key prefixes (Bull queue, n8n's
 * pub/sub and cache, and the ledger's), all dropped by stop(). Every process gets its own HTTP
 * port and task-runner broker port (n8n-internals.md, "Queue mode").
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

import Redis from 'ioredis';

import { freePort } from './n8n';
import { killGroup, progress, run, seconds, settlesWithin, tailLines, waitUntil, watchdog, type Log } from './proc';
import { PACKAGE_NAME, REPO_ROOT, packPackage, provisionN8n, type N8nRuntime } from './provision';
import { triggerPaths, type CredentialJson, type WorkflowJson } from './workflows';
import { dropPrefix, ensureRedis, REDIS_HOST, REDIS_PORT } from '../../helpers/redis';

export const COMPANION_NAME = 'n8n-nodes-pos-webhooks-redis';
const COMPANION_DIR = join(REPO_ROOT, 'packages', 'redis-ledger');
const ENCRYPTION_KEY = 'pos-webhooks-e2e-fixed-test-key-0001';
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };

export type Role = 'main' | 'webhook' | 'worker';

export interface ClusterProcess {
	readonly name: string;
	readonly role: Role;
	readonly port: number;
	readonly baseUrl: string;
	/** Production URL of a POS Webhook Trigger on this process. */
	triggerUrl(webhookId: string): string;
	/** Ends the process at once (SIGKILL: a crash, the in-memory state is gone), then boots it again. */
	restart(): Promise<void>;
	logTail(lines?: number): string;
}

export interface ExecutionRow {
	id: number;
	workflowId: string;
	status: string;
	mode: string;
	stoppedAt: string | null;
}

export interface N8nCluster {
	readonly main: ClusterProcess;
	readonly webhooks: ClusterProcess[];
	readonly worker: ClusterProcess;
	readonly database: string;
	/** Key prefix this run's ledgers must use (the POS Ledger Redis credential's Key Prefix). */
	readonly ledgerKeyPrefix: string;
	readonly runtime: N8nRuntime;
	executions(workflowId?: string): Promise<ExecutionRow[]>;
	/** Waits until `count` executions of the workflow have finished (any status) and returns them. */
	waitForExecutions(workflowId: string, count: number, timeoutMs?: number): Promise<ExecutionRow[]>;
	/** A query on the cluster's Postgres database; rows as JSON. */
	query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
	stop(): Promise<void>;
}

/** What a run decides before import: credentials and workflows may depend on it. */
export interface ClusterRun {
	ledgerKeyPrefix: string;
	credentials: CredentialJson[];
}

export interface StartClusterOptions {
	workflows: WorkflowJson[] | ((run: ClusterRun) => WorkflowJson[]);
	credentials: CredentialJson[] | ((run: Pick<ClusterRun, 'ledgerKeyPrefix'>) => CredentialJson[]);
	/** Install the companion package (the Redis ledger) beside the main package. Default true. */
	withCompanion?: boolean;
	webhookProcesses?: number;
	log?: Log;
	bootTimeoutMs?: number;
}

const INHERITED_CONFIG = /^(N8N_|DB_|EXECUTIONS_|QUEUE_|WEBHOOK_URL$|GENERIC_TIMEZONE$|NODE_OPTIONS$|NODE_ENV$|NODES_|JEST_)/;

/** Starts Postgres if it is stopped (the command the machine itself uses). */
async function ensurePostgres(log: Log): Promise<void> {
	const ready = () => run('pg_isready', ['-h', PG.host, '-p', String(PG.port)]).then(() => true, () => false);
	if (await ready()) return;
	log('starting Postgres');
	const versions = readdirSync('/etc/postgresql');
	await run('pg_ctlcluster', ['--skip-systemctl-redirect', versions[0], 'main', 'start']);
	await waitUntil(async () => ((await ready()) ? true : undefined), { timeoutMs: 30_000, intervalMs: 300, describe: () => 'pg_isready' });
}

function psql(database: string, sql: string): Promise<string> {
	return new Promise((resolve, reject) => {
		execFile(
			'psql',
			['-h', PG.host, '-p', String(PG.port), '-U', PG.user, '-d', database, '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql],
			{ maxBuffer: 64 * 1024 * 1024, timeout: 30_000 },
			(error, stdout, stderr) => (error ? reject(new Error(`psql failed: ${sql}\n${stderr || error.message}`)) : resolve(stdout)),
		);
	});
}

/** `npm pack` of the companion package (built by the repo's `npm run build`). */
async function packCompanion(dir: string, log: Log): Promise<string> {
	if (!existsSync(join(COMPANION_DIR, 'dist', 'nodes', 'PosLedgerRedis', 'PosLedgerRedis.node.js'))) {
		log('building the companion package');
		await run('npm', ['run', 'build:companion'], { cwd: REPO_ROOT, timeoutMs: 3 * 60_000 });
	}
	const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: COMPANION_DIR, timeoutMs: 2 * 60_000 });
	const name = stdout.trim().split('\n').pop()?.trim() ?? '';
	if (!name.endsWith('.tgz')) throw new Error(`npm pack of the companion produced no tarball (output: ${stdout})`);
	return join(dir, name);
}

/**
 * Installs the tarballs as n8n's community-package installer does: npm into .n8n/nodes,
 * `dependencies` only (the companion's ioredis), no peer dependencies, no scripts.
 */
async function installPackages(tarballs: string[], nodesFolder: string): Promise<void> {
	mkdirSync(nodesFolder, { recursive: true });
	writeFileSync(join(nodesFolder, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2));
	for (const t of tarballs) cpSync(t, join(nodesFolder, basename(t)));
	await run('npm', ['install', ...tarballs.map((t) => `./${basename(t)}`), '--legacy-peer-deps', '--ignore-scripts', '--no-audit', '--no-fund', '--package-lock=false'], {
		cwd: nodesFolder,
		timeoutMs: 3 * 60_000,
	});
	if (!existsSync(join(nodesFolder, 'node_modules', PACKAGE_NAME, 'package.json'))) throw new Error(`npm install did not install ${PACKAGE_NAME}`);
}

export async function startCluster(options: StartClusterOptions): Promise<N8nCluster> {
	const log = options.log ?? progress;
	const withCompanion = options.withCompanion ?? true;
	const bootTimeoutMs = options.bootTimeoutMs ?? 240_000;
	const runtime = await provisionN8n(log);
	const { tarball } = await packPackage(log);
	await Promise.all([ensurePostgres(log), ensureRedis()]);

	const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
	const database = `n8n_pos_e2e_${runId}`;
	const prefixes = { bull: `pos-e2e-${runId}-bull`, pubsub: `pos-e2e-${runId}-n8n`, cache: `pos-e2e-${runId}-cache`, ledger: `pos-e2e-${runId}-ledger:` };
	const root = mkdtempSync(join(tmpdir(), 'n8n-pos-cluster-'));
	const children = new Map<string, { child?: ChildProcess; exited: Promise<void> }>();
	let stopped = false;

	const stop = async () => {
		if (stopped) return;
		stopped = true;
		await Promise.all(
			[...children.values()].map(async (c) => {
				if (!c.child) return;
				killGroup(c.child.pid, 'SIGKILL');
				await settlesWithin(c.exited, 5_000);
			}),
		);
		await psql('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((e) => log(`could not drop ${database}: ${e}`));
		const redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
		try {
			let dropped = 0;
			// n8n's Bull prefix is a key prefix ("<prefix>:jobs:..."); the others are plain prefixes.
			for (const p of [prefixes.bull, prefixes.pubsub, prefixes.cache, prefixes.ledger]) dropped += await dropPrefix(redis, p);
			log(`dropped database ${database} and ${dropped} Redis key(s) of this run`);
		} finally {
			redis.disconnect();
		}
		if (process.env.POS_E2E_KEEP !== '1') rmSync(root, { recursive: true, force: true });
		else log(`kept cluster folder ${root}`);
	};

	try {
		await psql('postgres', `CREATE DATABASE ${database}`);
		log(`cluster run ${runId}: database ${database}, folder ${root}`);
		const tarballs = [tarball];
		if (withCompanion) tarballs.push(await packCompanion(root, log));

		const webhookCount = options.webhookProcesses ?? 2;
		const specs: Array<{ name: string; role: Role }> = [
			{ name: 'main', role: 'main' },
			...Array.from({ length: webhookCount }, (_, i) => ({ name: `webhook${i + 1}`, role: 'webhook' as Role })),
			{ name: 'worker', role: 'worker' },
		];
		const used: number[] = [];
		const port = async () => {
			const p = await freePort(used);
			used.push(p);
			return p;
		};
		const mainPort = await port();

		// One install, then the same folder copied to every process: what npm install gives on each.
		const firstNodes = join(root, 'main', '.n8n', 'nodes');
		log(`installing ${tarballs.map((t) => basename(t)).join(' + ')} (${specs.length} processes)`);
		await installPackages(tarballs, firstNodes);

		const baseEnv: NodeJS.ProcessEnv = {};
		for (const [k, v] of Object.entries(process.env)) if (!INHERITED_CONFIG.test(k)) baseEnv[k] = v;
		Object.assign(baseEnv, {
			PATH: `${dirname(runtime.nodeBin)}:${process.env.PATH ?? ''}`,
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			N8N_PROTOCOL: 'http',
			N8N_WEBHOOK_URL: `http://127.0.0.1:${mainPort}/`,
			N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
			N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5',
			GENERIC_TIMEZONE: 'UTC',
			EXECUTIONS_DATA_PRUNE: 'false',
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: PG.host,
			DB_POSTGRESDB_PORT: String(PG.port),
			DB_POSTGRESDB_USER: PG.user,
			DB_POSTGRESDB_PASSWORD: '',
			DB_POSTGRESDB_DATABASE: database,
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: REDIS_HOST,
			QUEUE_BULL_REDIS_PORT: String(REDIS_PORT),
			QUEUE_BULL_PREFIX: prefixes.bull,
			N8N_REDIS_KEY_PREFIX: prefixes.pubsub,
			N8N_CACHE_REDIS_KEY_PREFIX: prefixes.cache,
		});

		const mainFolder = join(root, 'main');
		const logFileOf = (name: string) => join(root, `${name}.log`);
		const cli = async (args: string[]) => {
			const env = { ...baseEnv, N8N_USER_FOLDER: mainFolder, N8N_PORT: String(mainPort), N8N_RUNNERS_BROKER_PORT: String(await port()) };
			try {
				const { stdout, stderr } = await run(runtime.nodeBin, [runtime.n8nBin, ...args], { cwd: mainFolder, env, timeoutMs: 5 * 60_000 });
				return stdout + stderr;
			} catch (error) {
				throw new Error(`n8n ${args.join(' ')} failed:\n${tailLines((error as { output?: string }).output ?? String(error), 40)}`);
			}
		};
		const credentials =
			typeof options.credentials === 'function' ? options.credentials({ ledgerKeyPrefix: prefixes.ledger }) : options.credentials;
		const workflows =
			typeof options.workflows === 'function' ? options.workflows({ ledgerKeyPrefix: prefixes.ledger, credentials }) : options.workflows;
		writeFileSync(join(root, 'credentials.json'), JSON.stringify(credentials, null, 2));
		writeFileSync(join(root, 'workflows.json'), JSON.stringify(workflows, null, 2));
		log('importing credentials and workflows into Postgres (runs the migrations)');
		if (credentials.length > 0) await cli(['import:credentials', `--input=${join(root, 'credentials.json')}`]);
		await cli(['import:workflow', `--input=${join(root, 'workflows.json')}`]);
		for (const w of workflows) await cli(['publish:workflow', `--id=${w.id}`]);

		const readyPaths = triggerPaths(workflows);
		const makeProcess = async (spec: { name: string; role: Role }): Promise<ClusterProcess> => {
			const folder = join(root, spec.name);
			if (spec.name !== 'main') cpSync(join(mainFolder, '.n8n', 'nodes'), join(folder, '.n8n', 'nodes'), { recursive: true });
			const httpPort = spec.role === 'main' ? mainPort : await port();
			const env: NodeJS.ProcessEnv = {
				...baseEnv,
				N8N_USER_FOLDER: folder,
				N8N_PORT: String(httpPort),
				N8N_RUNNERS_BROKER_PORT: String(await port()),
				...(spec.role === 'worker'
					? { QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(httpPort), N8N_WORKER_SERVER_ADDRESS: '127.0.0.1' }
					: {}),
			};
			const baseUrl = `http://127.0.0.1:${httpPort}`;
			const logFile = logFileOf(spec.name);
			const entry: { child?: ChildProcess; exited: Promise<void> } = { exited: Promise.resolve() };
			children.set(spec.name, entry);
			const command = spec.role === 'main' ? 'start' : spec.role;

			const boot = async () => {
				const started = Date.now();
				writeFileSync(logFile, `\n$ n8n ${command}  (${new Date().toISOString()})\n`, { flag: 'a' });
				const mark = statSync(logFile).size;
				const fd = openSync(logFile, 'a');
				const child = spawn(runtime.nodeBin, [runtime.n8nBin, command], { cwd: folder, env, stdio: ['ignore', fd, fd], detached: true });
				closeSync(fd);
				watchdog(child.pid);
				entry.child = child;
				let exitInfo: string | undefined;
				entry.exited = new Promise((resolve) => {
					child.on('exit', (code, signal) => {
						exitInfo = `exit ${code ?? signal}`;
						resolve();
					});
				});
				const fail = (why: string) =>
					new Error(`n8n ${spec.name} did not become ready: ${why}\n--- log ---\n${tailLines(readFileSync(logFile).subarray(mark).toString('utf8'), 50)}`);
				const probe = async (url: string, method: 'GET' | 'POST', ok: (s: number) => boolean) => {
					let last = 0;
					await waitUntil(
						async () => {
							if (exitInfo) throw fail(`process ended (${exitInfo})`);
							last = await httpStatus(url, method);
							return ok(last) ? true : undefined;
						},
						{ timeoutMs: bootTimeoutMs, intervalMs: 250, describe: () => `${method} ${url} answers ${last}` },
					).catch((e) => {
						throw e instanceof Error && e.message.startsWith('n8n ') ? e : fail(String(e));
					});
				};
				await probe(`${baseUrl}/healthz`, 'GET', (s) => s === 200);
				if (spec.role !== 'worker') {
					// An unsigned POST: 404 until the workflow's webhook is known, then our trigger's 401.
					for (const path of readyPaths) await probe(`${baseUrl}/webhook/${path}`, 'POST', (s) => s !== 0 && s !== 404 && s < 500);
				}
				log(`${spec.name} ready on ${baseUrl} in ${seconds(Date.now() - started)}`);
			};
			await boot();
			return {
				name: spec.name,
				role: spec.role,
				port: httpPort,
				baseUrl,
				triggerUrl: (webhookId) => `${baseUrl}/webhook/${webhookId}/pos`,
				async restart() {
					log(`killing ${spec.name} (SIGKILL) and starting it again`);
					killGroup(entry.child?.pid, 'SIGKILL');
					await settlesWithin(entry.exited, 10_000);
					await boot();
				},
				logTail: (lines = 40) => tailLines(readFileSync(logFile, 'utf8'), lines),
			};
		};

		const main = await makeProcess(specs[0]);
		// The others only need the database migrated and the workflows active: boot them together.
		const others = await Promise.all(specs.slice(1).map((s) => makeProcess(s)));
		const executions = async (workflowId?: string) => {
			const where = workflowId === undefined ? '' : `AND "workflowId" = '${workflowId.replace(/'/g, "''")}'`;
			return query<ExecutionRow>(
				`SELECT id, "workflowId", status, mode, "stoppedAt" FROM execution_entity WHERE "deletedAt" IS NULL ${where} ORDER BY id`,
			);
		};
		const query = async <T>(sql: string): Promise<T[]> => {
			const out = await psql(database, `SELECT coalesce(json_agg(t), '[]'::json) FROM (${sql}) t`);
			return JSON.parse(out.trim() || '[]') as T[];
		};
		return {
			main,
			webhooks: others.filter((p) => p.role === 'webhook'),
			worker: others.find((p) => p.role === 'worker') as ClusterProcess,
			database,
			ledgerKeyPrefix: prefixes.ledger,
			runtime,
			executions,
			async waitForExecutions(workflowId, count, timeoutMs = 60_000) {
				let last: ExecutionRow[] = [];
				return waitUntil(
					async () => {
						last = await executions(workflowId);
						const done = last.filter((e) => e.stoppedAt !== null && e.status !== 'running' && e.status !== 'new');
						return done.length >= count ? last : undefined;
					},
					{ timeoutMs, intervalMs: 300, describe: () => `${count} finished execution(s) of ${workflowId}; have ${last.length}` },
				);
			},
			query,
			stop,
		};
	} catch (error) {
		await stop().catch(() => undefined);
		throw error;
	}
}

async function httpStatus(url: string, method: 'GET' | 'POST'): Promise<number> {
	try {
		const res = await fetch(url, { method, signal: AbortSignal.timeout(5_000), ...(method === 'POST' ? { body: '' } : {}) });
		await res.arrayBuffer();
		return res.status;
	} catch {
		return 0;
	}
}
