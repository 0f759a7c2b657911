/**
 * Real n8n throughput, counted by FINISHED EXECUTIONS: one n8n per configuration, same client,
 * same 1 KB body, `concurrency` closed-loop clients. Every case's headline is its sustained rate:
 *   executions that finished successfully / time from the first request until the last of them
 *   finished (for cases that start no execution: replies / load time).
 * The reply rate is reported second: a node that answers before n8n has run the execution can
 * reply faster than n8n finishes the work, and users get the finished work, not the replies.
 * Cases are interleaved over rounds; the median round (by sustained rate) is reported.
 *
 * Two configurations (see PROFILES):
 *   default: n8n's defaults. n8n's Webhook node without auth (a) and with Header Auth (b), also
 *            carrying the static data of a 50,000- and a 200,000-id ledger (controls); the
 *            trigger accepting with an empty, a 50,000-id and a 200,000-id ledger (c); a duplicate
 *            storm (d) and a forged storm (e) against the 50,000-id workflow, which must start nothing.
 *   lazy:    N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true. n8n's Webhook node without auth (a); the
 *            trigger accepting as typeVersion 2 (static description: no expression per request)
 *            and as typeVersion 1 (n8n evaluates a binaryData expression per request); typeVersion 2
 *            once more with its crash-safety records at their steady state (10,000 in n8n's
 *            processed-data row, which each record reads and rewrites whole).
 *
 *   node --import tsx bench/n8n-throughput.ts [default|lazy] [durationMs] [rounds]
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { Webhook } from 'standardwebhooks';

import { DURABLE_RECORDS } from '../nodes/shared/ledger/durable';
import { Ledger } from '../nodes/shared/ledger/Ledger';
import { STATIC_DATA_KEY } from '../nodes/shared/ledger/registry';
import { startN8n, type CredentialJson, type N8nInstance, type WorkflowJson } from '../test/e2e/harness';
import { runLoad, type LoadResult, type OneRequest } from './load';

const SECRET = 'whsec_' + Buffer.from('benchmark key benchmark key 32b!').toString('base64');
const FORGED_SECRET = 'whsec_' + Buffer.from('not the real key').toString('base64');
const HEADER_SECRET = 'bench-header-secret-value';
/** Every POS workflow allows 200,000 ids, so the seeded ledgers are kept whole and all cases run the same settings. */
const MAX_LEDGER_ENTRIES = 200_000;
/** The trigger's version that new workflows get (defaultVersion). */
export const CURRENT_TRIGGER_VERSION = 2;

export function body1k(id: string): string {
	const base = { type: 'order.paid', timestamp: new Date().toISOString(), data: { order_id: id, location_id: 'L1', note: '' } };
	base.data.note = 'x'.repeat(Math.max(0, 1024 - JSON.stringify(base).length));
	return JSON.stringify(base);
}

export function signed(id: string, secret = SECRET): OneRequest {
	const body = body1k(id);
	const when = new Date();
	return {
		body,
		headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(when.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, when, body) },
	};
}

/** Static data holding a saved ledger of `entries` ids spread over 71 hours, as real traffic is. */
function seededLedger(entries: number): Record<string, unknown> {
	const ledger = new Ledger(72 * 3_600_000, MAX_LEDGER_ENTRIES);
	const now = Date.now();
	for (let i = 0; i < entries; i++) ledger.claim(`seed_${i}`, now - Math.floor((i / entries) * 71 * 3_600_000));
	return { global: { [STATIC_DATA_KEY]: JSON.parse(JSON.stringify(ledger)) } };
}

type Ref = { id: string; name: string };

const webhookNode = (path: string, auth?: Ref) => ({
	id: randomUUID(),
	name: 'Webhook',
	type: 'n8n-nodes-base.webhook',
	typeVersion: 2,
	position: [0, 0] as [number, number],
	webhookId: randomUUID(),
	parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {}, ...(auth ? { authentication: 'headerAuth' } : {}) },
	...(auth ? { credentials: { httpHeaderAuth: auth } } : {}),
});

const posTrigger = (webhookId: string, cred: Ref, typeVersion: number) => ({
	id: randomUUID(),
	name: 'POS Webhook Trigger',
	type: 'n8n-nodes-pos-webhooks.posWebhookTrigger',
	typeVersion,
	position: [0, 0] as [number, number],
	webhookId,
	parameters: { options: { maxLedgerEntries: MAX_LEDGER_ENTRIES } },
	credentials: { posApi: cred },
});

const wf = (id: string, name: string, node: ReturnType<typeof webhookNode> | ReturnType<typeof posTrigger>, staticData?: Record<string, unknown>) =>
	({ id, name, active: false, nodes: [node], connections: {}, settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all' }, ...(staticData ? { staticData } : {}) }) as unknown as WorkflowJson;

export interface ThroughputCase extends LoadResult {
	name: string;
	/** Short key scripts can use: plain, header, header50k, header200k, accepted0, accepted50k, accepted200k, duplicates, forgeries, acceptedV2, acceptedV1, acceptedV2steady. */
	key: string;
	workflowId: string;
	/** Whether the case is meant to start executions (false: duplicates and forgeries). */
	startsExecutions: boolean;
	/** Executions of the case's workflow that finished successfully during the case. */
	executionsFinished: number;
	/** Executions of the case's workflow that ended otherwise (error, crashed, canceled). */
	executionsFailed: number;
	/** Time after the last reply until every execution the case started had finished. */
	drainMs: number;
	/**
	 * The headline: executions finished / (load time until the last reply + drain time) for cases that start executions;
	 * replies / load time for cases that do not.
	 */
	sustainedPerSec: number;
	/** The sustained rate of every round, in round order (the headline is their median). */
	perRound?: number[];
	/**
	 * Expression isolates n8n acquired per request (its `n8n_expression_pool_acquired_total` counter,
	 * median over rounds). In n8n's default engine every isolate is built for one caller and thrown
	 * away on release, which is most of what a request costs: this count, not the node's own work,
	 * sets the default-settings rates. Null where n8n did not expose the counter.
	 */
	isolatesPerRequest?: number | null;
	/** CPU time of n8n's main process per request (user + system, over the load and the drain; median over rounds). */
	n8nCpuMsPerRequest?: number | null;
}

export interface ThroughputRun {
	profile: ProfileName;
	env: Record<string, string>;
	durationMs: number;
	rounds: number;
	concurrency: number;
	/** Bytes of the saved static data per seeded workflow, before and after the run. */
	staticDataBytes: Record<string, { before: number; after: number }>;
	/**
	 * Set-up checks on the real n8n: typeVersion 2 of the trigger with a body n8n leaves unread
	 * (no content type, application/octet-stream) must still verify and accept it.
	 */
	checks: Array<{ name: string; status: number; reply: string; passed: boolean }>;
	/** Wall time of this configuration: n8n set-up and boot, warm-up, all rounds. */
	wallMs: number;
	cases: ThroughputCase[];
}

interface CaseSpec {
	key: string;
	name: string;
	workflowId: string;
	url: (n8n: N8nInstance) => string;
	make: (i: number) => OneRequest;
	startsExecutions: boolean;
	/** Set-up after the warm-up, before the first round. */
	prepare?: (n8n: N8nInstance) => Promise<void>;
}

interface Profile {
	env: Record<string, string>;
	/** A typeVersion 2 trigger's URL, for the raw-body checks. */
	rawBodyCheckUrl?: (n8n: N8nInstance) => string;
	workflows: WorkflowJson[];
	readyPaths: string[];
	cases: CaseSpec[];
}

export type ProfileName = 'default' | 'lazy';

const posCred: CredentialJson = { id: 'benchPosCred0001', name: 'POS bench', type: 'posApi', data: { provider: 'standardWebhooks', signingSecret: SECRET, previousSigningSecret: '', apiToken: '', baseUrl: '' } };
const headerCred: CredentialJson = { id: 'benchHeaderCred1', name: 'Header bench', type: 'httpHeaderAuth', data: { name: 'X-Api-Key', value: HEADER_SECRET } };
const posRef = { id: posCred.id, name: posCred.name };
const headerRef = { id: headerCred.id, name: headerCred.name };

let seq = 0;
const fresh = (tag: string) => () => signed(`msg_${tag}_${Date.now().toString(36)}_${seq++}`);
const plainCase = (): CaseSpec => ({
	key: 'plain',
	name: "(a) n8n's Webhook node, no auth",
	workflowId: 'benchPlainHook01',
	url: (n) => n.webhookUrl('bench-plain'),
	make: () => ({ headers: {}, body: body1k('x') }),
	startsExecutions: true,
});
const headerCase = (key: string, name: string, workflowId: string, path: string): CaseSpec => ({
	key,
	name,
	workflowId,
	url: (n) => n.webhookUrl(path),
	make: () => ({ headers: { 'X-Api-Key': HEADER_SECRET }, body: body1k('x') }),
	startsExecutions: true,
});
const plainWorkflow = () => wf('benchPlainHook01', 'bench: n8n Webhook, no auth', webhookNode('bench-plain'));
const posCase = (key: string, name: string, workflowId: string, webhookId: string, make: (i: number) => OneRequest, startsExecutions = true): CaseSpec => ({
	key,
	name,
	workflowId,
	url: (n) => n.triggerUrl(webhookId),
	make,
	startsExecutions,
});

/** The duplicate storm repeats one id, accepted once during warm-up. */
const DUPLICATE_ID = `msg_dup_${Date.now()}`;

const PROFILES: Record<ProfileName, () => Profile> = {
	default: () => {
		const ids = { empty: 'b0a1c2d3-0000-4000-8000-000000000001', k50: 'b0a1c2d3-0000-4000-8000-000000000002', k200: 'b0a1c2d3-0000-4000-8000-000000000003' };
		const v = CURRENT_TRIGGER_VERSION;
		return {
			env: {},
			workflows: [
				plainWorkflow(),
				wf('benchHeaderHook1', 'bench: n8n Webhook, Header Auth', webhookNode('bench-header', headerRef)),
				wf('benchPosEmpty001', 'bench: POS trigger, empty ledger', posTrigger(ids.empty, posRef, v)),
				wf('benchPosFull0050', 'bench: POS trigger, 50,000 ids', posTrigger(ids.k50, posRef, v), seededLedger(50_000)),
				wf('benchPosFull0200', 'bench: POS trigger, 200,000 ids', posTrigger(ids.k200, posRef, v), seededLedger(200_000)),
				// Controls: n8n's own node carrying the same static data (which it never uses), to show
				// what n8n's per-request reads of static data cost any node, the trigger's ledger aside.
				wf('benchHeaderF050', 'bench: n8n Webhook, Header Auth, static data of 50,000 ids', webhookNode('bench-header-50k', headerRef), seededLedger(50_000)),
				wf('benchHeaderF200', 'bench: n8n Webhook, Header Auth, static data of 200,000 ids', webhookNode('bench-header-200k', headerRef), seededLedger(200_000)),
			],
			readyPaths: ['bench-plain', 'bench-header', 'bench-header-50k', 'bench-header-200k', `${ids.empty}/pos`, `${ids.k50}/pos`, `${ids.k200}/pos`],
			cases: [
				plainCase(),
				headerCase('header', "(b) n8n's Webhook node, Header Auth", 'benchHeaderHook1', 'bench-header'),
				headerCase('header50k', "(b50) n8n's Webhook node, Header Auth, with the static data of a 50,000-id ledger", 'benchHeaderF050', 'bench-header-50k'),
				headerCase('header200k', "(b200) n8n's Webhook node, Header Auth, with the static data of a 200,000-id ledger", 'benchHeaderF200', 'bench-header-200k'),
				posCase('accepted0', '(c) POS trigger, accepted, empty ledger', 'benchPosEmpty001', ids.empty, fresh('e')),
				posCase('accepted50k', '(c) POS trigger, accepted, 50,000-id ledger', 'benchPosFull0050', ids.k50, fresh('f')),
				posCase('accepted200k', '(c) POS trigger, accepted, 200,000-id ledger', 'benchPosFull0200', ids.k200, fresh('g')),
				posCase('duplicates', '(d) POS trigger, duplicate storm (50,000-id ledger)', 'benchPosFull0050', ids.k50, () => signed(DUPLICATE_ID), false),
				posCase('forgeries', '(e) POS trigger, forged storm (50,000-id ledger)', 'benchPosFull0050', ids.k50, (i) => signed(`msg_forged_${i}`, FORGED_SECRET), false),
			],
		};
	},
	lazy: () => {
		const ids = { v2: 'b0a1c2d3-0000-4000-8000-000000000012', v1: 'b0a1c2d3-0000-4000-8000-000000000011', steady: 'b0a1c2d3-0000-4000-8000-000000000013' };
		return {
			env: { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' },
			rawBodyCheckUrl: (n) => n.triggerUrl(ids.v2),
			workflows: [
				plainWorkflow(),
				wf('benchPosLazyV002', 'bench: POS trigger v2, lazy isolates', posTrigger(ids.v2, posRef, 2)),
				wf('benchPosLazyV001', 'bench: POS trigger v1, lazy isolates', posTrigger(ids.v1, posRef, 1)),
				wf('benchPosLazyV2SS', 'bench: POS trigger v2, lazy isolates, 10,000 crash-safety records', posTrigger(ids.steady, posRef, 2)),
			],
			readyPaths: ['bench-plain', `${ids.v2}/pos`, `${ids.v1}/pos`, `${ids.steady}/pos`],
			cases: [
				plainCase(),
				posCase('acceptedV2', '(c) POS trigger typeVersion 2, accepted, empty ledger', 'benchPosLazyV002', ids.v2, fresh('l2')),
				posCase('acceptedV1', '(c) POS trigger typeVersion 1, accepted, empty ledger', 'benchPosLazyV001', ids.v1, fresh('l1')),
				{
					...posCase('acceptedV2steady', '(c) POS trigger typeVersion 2, accepted, 10,000 crash-safety records (a workflow at steady state)', 'benchPosLazyV2SS', ids.steady, fresh('ls')),
					prepare: async (n8n) => await fillDurableRecords(n8n, 'benchPosLazyV2SS', DURABLE_RECORDS),
				},
			],
		};
	},
};

export async function runN8nThroughput(
	options: { profile?: ProfileName; durationMs?: number; rounds?: number; concurrency?: number; warmUpMs?: number; tarball?: string; cases?: string[] } = {},
): Promise<ThroughputRun> {
	const profileName = options.profile ?? 'default';
	const durationMs = options.durationMs ?? 10_000;
	const rounds = options.rounds ?? 3;
	const concurrency = options.concurrency ?? 8;
	const warmUpMs = options.warmUpMs ?? 2_000;
	const started = performance.now();
	const profile = PROFILES[profileName]();
	// For investigations: POS_BENCH_CASES=accepted0,accepted200k runs only those cases;
	// POS_BENCH_N8N_ENV='{"NODE_OPTIONS":"--cpu-prof"}' adds to n8n's environment.
	const only = options.cases ?? process.env.POS_BENCH_CASES?.split(',').filter(Boolean);
	if (only?.length) profile.cases = profile.cases.filter((c) => only.includes(c.key));
	const extraEnv = process.env.POS_BENCH_N8N_ENV ? (JSON.parse(process.env.POS_BENCH_N8N_ENV) as Record<string, string>) : {};
	// N8N_METRICS: the isolate counter is read from /metrics (the same for every case).
	const n8n = await startN8n({
		workflows: profile.workflows,
		credentials: [posCred, headerCred],
		readyPaths: profile.readyPaths,
		env: { N8N_METRICS: 'true', ...profile.env, ...extraEnv },
		tarball: options.tarball,
	});
	try {
		const seeded = profile.workflows.filter((w) => 'staticData' in w).map((w) => w.id);
		const staticDataBytes: ThroughputRun['staticDataBytes'] = {};
		for (const id of seeded) staticDataBytes[id] = { before: JSON.stringify((await n8n.staticData(id)) ?? {}).length, after: 0 };

		const outcomes = async (workflowId: string) =>
			tallyOutcomes(await n8n.query<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM execution_entity WHERE workflowId = ? GROUP BY status', [workflowId]));
		// A case can leave executions still queued or running when its last reply is sent: wait for
		// them and count that time in the case's sustained rate (and keep them out of the next case).
		const drain = async () => {
			const t0 = performance.now();
			for (;;) {
				const [row] = await n8n.query<{ n: number }>("SELECT COUNT(*) AS n FROM execution_entity WHERE status IN ('new', 'running')");
				if (!row || Number(row.n) === 0) return performance.now() - t0;
				await new Promise((r) => setTimeout(r, 100));
			}
		};

		// Warm up every path (the first request loads code and credentials); this also accepts the
		// duplicate storm's id once, so that every request of that case is a duplicate.
		for (const c of profile.cases) {
			if (c.key === 'duplicates') await runLoad(c.url(n8n), c.make, 1, 200);
			await runLoad(c.url(n8n), c.make, 2, warmUpMs);
			await drain();
		}

		for (const c of profile.cases) await c.prepare?.(n8n);

		const checks: ThroughputRun['checks'] = [];
		if (profile.rawBodyCheckUrl) {
			for (const contentType of [undefined, 'application/octet-stream']) {
				const id = `msg_rawbody_${contentType ? 'octet' : 'none'}_${Date.now()}`;
				const { headers, body } = signed(id);
				const answer = await postOnce(profile.rawBodyCheckUrl(n8n), contentType ? { ...headers, 'content-type': contentType } : headers, body);
				let reply = '';
				try {
					reply = String((JSON.parse(answer.body) as { status?: unknown }).status);
				} catch {
					reply = answer.body.slice(0, 80);
				}
				checks.push({ name: `typeVersion 2, ${contentType ?? 'no content type'}: accepted`, status: answer.status, reply, passed: answer.status === 200 && reply === 'accepted' });
			}
			await drain();
		}

		const results = new Map<string, ThroughputCase[]>();
		for (let round = 0; round < rounds; round++) {
			for (const c of profile.cases) {
				const before = await outcomes(c.workflowId);
				const isolatesBefore = await isolatesAcquired(n8n.baseUrl);
				const cpuBefore = processCpuMs(n8n.pid);
				const r = await runLoad(c.url(n8n), c.make, concurrency, durationMs);
				const drainMs = await drain();
				const cpuAfter = processCpuMs(n8n.pid);
				const isolatesAfter = await isolatesAcquired(n8n.baseUrl);
				const after = await outcomes(c.workflowId);
				const perRequest = (a: number | null, b: number | null, digits: number) =>
					a === null || b === null || r.requests === 0 ? null : Math.round(((b - a) / r.requests) * 10 ** digits) / 10 ** digits;
				const executionsFinished = after.success - before.success;
				const executionsFailed = after.other - before.other;
				const sustainedPerSec = c.startsExecutions ? executionsFinished / ((r.elapsedMs + drainMs) / 1000) : r.requests / (r.elapsedMs / 1000);
				const one: ThroughputCase = {
					name: c.name,
					key: c.key,
					workflowId: c.workflowId,
					startsExecutions: c.startsExecutions,
					...r,
					executionsFinished,
					executionsFailed,
					drainMs: Math.round(drainMs),
					sustainedPerSec: Math.round(sustainedPerSec * 10) / 10,
					isolatesPerRequest: perRequest(isolatesBefore, isolatesAfter, 2),
					n8nCpuMsPerRequest: perRequest(cpuBefore, cpuAfter, 1),
				};
				results.set(c.key, [...(results.get(c.key) ?? []), one]);
				console.error(
					`[bench] ${profileName} round ${round + 1}/${rounds}: ${c.name}: ${one.sustainedPerSec}/s sustained, replies ${one.rps}/s, ` +
						`${one.isolatesPerRequest ?? '?'} isolates and ${one.n8nCpuMsPerRequest ?? '?'} ms of n8n CPU per request`,
				);
			}
		}
		const median = (xs: ThroughputCase[]) => [...xs].sort((a, b) => a.sustainedPerSec - b.sustainedPerSec)[Math.floor(xs.length / 2)];
		for (const id of seeded) staticDataBytes[id].after = JSON.stringify((await n8n.staticData(id)) ?? {}).length;
		return {
			profile: profileName,
			env: profile.env,
			durationMs,
			rounds,
			concurrency,
			staticDataBytes,
			checks,
			wallMs: Math.round(performance.now() - started),
			cases: profile.cases.map((c) => {
				const all = results.get(c.key) ?? [];
				return {
					...median(all),
					perRound: all.map((x) => x.sustainedPerSec),
					isolatesPerRequest: medianOf(all.map((x) => x.isolatesPerRequest)),
					n8nCpuMsPerRequest: medianOf(all.map((x) => x.n8nCpuMsPerRequest)),
				};
			}),
		};
	} finally {
		await n8n.stop();
	}
}

/**
 * A long-running workflow's crash-safety records: n8n's processed-data row of the workflow (one row,
 * context '' for the workflow scope,
 * read and rewritten whole by every record) filled up to the number the trigger keeps. The row the
 * warm-up wrote is extended in n8n's own format, so that n8n reads it as its own.
 */
async function fillDurableRecords(n8n: N8nInstance, workflowId: string, count: number): Promise<void> {
	const [row] = await n8n.query<{ value: string }>("SELECT value FROM processed_data WHERE workflowId = ? AND context = ''", [workflowId]);
	if (!row) throw new Error(`bench set-up: no processed-data row for ${workflowId} after the warm-up (did its executions record nothing?)`);
	const value = JSON.parse(row.value) as { mode: string; data: string[] };
	if (value.mode !== 'entries' || !Array.isArray(value.data)) throw new Error(`bench set-up: unexpected processed-data row ${row.value.slice(0, 80)}`);
	// n8n stores each record as the base64 md5 of its value (deduplication-helper.js createValueHash).
	for (let i = value.data.length; i < count; i++) value.data.unshift(createHash('md5').update(`posWebhooks:started:seed_${i}`).digest('base64'));
	await n8n.write("UPDATE processed_data SET value = ? WHERE workflowId = ? AND context = ''", [JSON.stringify(value), workflowId]);
	const [check] = await n8n.query<{ n: number }>("SELECT json_array_length(value, '$.data') AS n FROM processed_data WHERE workflowId = ? AND context = ''", [workflowId]);
	if (Number(check?.n) !== count) throw new Error(`bench set-up: the processed-data row holds ${check?.n} records, not ${count}`);
}

/** The median of the measured values (null when none was measured). */
function medianOf(values: Array<number | null | undefined>): number | null {
	const xs = values.filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
	return xs.length === 0 ? null : xs[Math.floor(xs.length / 2)];
}

/** n8n's expression isolates acquired so far, from its Prometheus endpoint (null if absent). */
async function isolatesAcquired(baseUrl: string): Promise<number | null> {
	try {
		const res = await fetch(`${baseUrl}/metrics`);
		if (!res.ok) return null;
		const match = /^n8n_expression_pool_acquired_total(?:\{[^}]*\})? (\d+(?:\.\d+)?)$/m.exec(await res.text());
		return match ? Number(match[1]) : null;
	} catch {
		return null;
	}
}

/** User + system CPU time of a process so far, in ms, from /proc (Linux; null elsewhere). */
function processCpuMs(pid: number | undefined): number | null {
	if (pid === undefined) return null;
	try {
		// Fields after the command name's closing parenthesis start at field 3; utime and stime are 14 and 15,
		// in clock ticks of 1/100 s (USER_HZ, fixed at 100 on Linux).
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
		return (Number(fields[11]) + Number(fields[12])) * 10;
	} catch {
		return null;
	}
}

/** One POST with exactly these headers (no content type unless given), for the set-up checks. */
function postOnce(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
	const target = new URL(url);
	return new Promise((resolve) => {
		const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (c) => (text += c));
			res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
		});
		req.on('error', (error) => resolve({ status: 0, body: error.message }));
		req.end(body);
	});
}

if (require.main === module) {
	const profile = (process.argv[2] ?? 'default') as ProfileName;
	runN8nThroughput({ profile, durationMs: Number(process.argv[3] ?? 10_000), rounds: Number(process.argv[4] ?? 3) })
		.then((r) => console.log(JSON.stringify(r, null, 1)))
		.catch((e) => {
			console.error(e);
			process.exit(1);
		});
}

/**
 * The ratio of two cases round by round (null where the baseline has no rate): the two cases of one
 * round ran within a minute of each other, so this is the least noisy comparison.
 */
export function perRoundRatios(value: ThroughputCase, baseline: ThroughputCase): Array<number | null> {
	return (value.perRound ?? []).map((v, i) => {
		const b = baseline.perRound?.[i];
		return b ? Math.round((v / b) * 100) / 100 : null;
	});
}

/** Finished executions by outcome, from rows of (status, count): success, and any other finished status. */
export function tallyOutcomes(rows: ReadonlyArray<{ status: string; n: number }>): { success: number; other: number } {
	let success = 0;
	let other = 0;
	for (const r of rows) {
		if (r.status === 'success') success += Number(r.n);
		else if (r.status !== 'new' && r.status !== 'running') other += Number(r.n);
	}
	return { success, other };
}
