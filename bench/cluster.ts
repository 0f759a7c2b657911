/**
 * Queue-mode cluster throughput: the POS Webhook Trigger with Ledger Storage "Shared (Redis)"
 * against n8n's own Webhook node (no auth, response mode onReceived), both in the SAME real n8n 2.41
 * queue-mode cluster (test/e2e/harness/cluster.ts: Postgres + Redis, one main, two `n8n webhook`
 * processes, one `n8n worker`), n8n's default settings.
 *
 * Both workflows are the start node alone (same shape). The load is that of bench/n8n-throughput.ts:
 * `concurrency` closed-loop keep-alive clients, 1 KB body; request i goes to webhook process i mod 2
 * (split evenly). Every POS request is signed (Standard Webhooks) with an id never used before.
 * Counted by FINISHED executions, as bench/n8n-throughput.ts counts them:
 *   sustained = executions that finished successfully / (time from the first request until the last
 *   reply + time until the last execution the case started had finished).
 * The two cases alternate (Webhook node, trigger, Webhook node, trigger, ...) so that the machine's
 * noise hits both; the median round of each is reported, and the ratio trigger / Webhook node.
 * A figure, not a target. When Postgres or Redis cannot be used, the result carries the reason.
 *
 *   node --import tsx bench/cluster.ts [durationMs] [rounds]      (provisioned Node 24: scripts/bench.sh)
 */
import { execFile } from 'node:child_process';

import { startCluster, type ClusterProcess, type N8nCluster } from '../test/e2e/harness/cluster';
import { n8nId, posCredential, triggerWorkflow, type CredentialJson, type WorkflowJson } from '../test/e2e/harness/workflows';
import { ensureRedis, REDIS_HOST, REDIS_PORT } from '../test/helpers/redis';
import { runLoad, type OneRequest } from './load';
import { body1k, signed, tallyOutcomes, type ThroughputCase } from './n8n-throughput';

const SECRET = 'whsec_' + Buffer.from('cluster bench key cluster bench!').toString('base64');
const HOOK_PATH = 'bench-cluster-plain';
const TRIGGER_WEBHOOK_ID = 'b0a1c2d3-0000-4000-8000-0000000000c1';
const IDS = { webhookNode: 'benchClusterHook', trigger: 'benchClusterPosR' } as const;
/** Both workflows: saved like the single-process bench's (every successful execution kept). */
const SETTINGS = { executionOrder: 'v1', saveDataSuccessExecution: 'all' };

export type ClusterCaseKey = 'webhookNode' | 'trigger';

export interface ClusterBench {
	durationMs: number;
	rounds: number;
	concurrency: number;
	/** Processes of the cluster: one main, `webhook` webhook processes (the load's targets), one worker. */
	processes: { main: 1; webhook: number; worker: 1 };
	/** Cluster set-up (database, install, import, publish, boot of every process). */
	setUpMs: number;
	/** Whole case: set-up, warm-up, rounds, tear-down. */
	wallMs: number;
	/** Median round of each case (by sustained rate). */
	webhookNode: ThroughputCase;
	trigger: ThroughputCase;
	/** Median trigger / median Webhook node. */
	ratio: number | null;
	/** Every round, in the order run: sustained rates and that round's ratio. */
	perRound: Array<{ round: number; webhookNode: number; trigger: number; ratio: number | null }>;
	/** Replies of the trigger that were not "accepted", over all rounds (should be 0). */
	triggerNotAccepted: number;
}

export interface ClusterBenchOutcome {
	result?: ClusterBench;
	/** Why nothing was measured ("not measured: ..."). */
	reason?: string;
}

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] cluster: ${message}\n`);
const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;

function webhookNodeWorkflow(): WorkflowJson {
	return {
		id: IDS.webhookNode,
		name: "bench cluster: n8n's Webhook node",
		active: false,
		nodes: [
			{
				id: n8nId(),
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: `bench-cluster-${n8nId().toLowerCase()}`,
				parameters: { httpMethod: 'POST', path: HOOK_PATH, responseMode: 'onReceived', options: {} },
			},
		],
		connections: {},
		settings: SETTINGS,
	};
}

function triggerWorkflowShared(pos: CredentialJson, ledger: CredentialJson): WorkflowJson {
	const workflow = triggerWorkflow({ credential: pos, webhookId: TRIGGER_WEBHOOK_ID, id: IDS.trigger, name: 'bench cluster: POS trigger, shared (Redis) ledger' });
	const trigger = workflow.nodes[0];
	trigger.parameters.ledgerStorage = 'redis';
	trigger.credentials = { ...trigger.credentials, posLedgerRedisApi: { id: ledger.id, name: ledger.name } };
	workflow.settings = SETTINGS;
	return workflow;
}

async function postOnce(url: string, { headers, body }: OneRequest): Promise<number> {
	try {
		const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(30_000) });
		await res.arrayBuffer();
		return res.status;
	} catch {
		return 0;
	}
}

const works = (command: string, args: string[]) =>
	new Promise<boolean>((resolve) => execFile(command, args, { timeout: 10_000 }, (error) => resolve(!error)));

/** Why the cluster could not be used, in the words a reader of the results needs. */
async function unavailable(error: unknown): Promise<string> {
	const first = (error instanceof Error ? error.message : String(error)).split('\n')[0];
	if (!(await works('pg_isready', ['-h', '127.0.0.1', '-p', '5432']))) return `not measured: Postgres at 127.0.0.1:5432 is not available (${first})`;
	try {
		await ensureRedis();
	} catch {
		return `not measured: Redis at ${REDIS_HOST}:${REDIS_PORT} is not available (${first})`;
	}
	return `not measured: ${first}`;
}

export async function runClusterBench(
	options: { durationMs?: number; rounds?: number; concurrency?: number; warmUpMs?: number } = {},
): Promise<ClusterBenchOutcome> {
	const durationMs = options.durationMs ?? 10_000;
	const rounds = options.rounds ?? 3;
	const concurrency = options.concurrency ?? 8;
	const warmUpMs = options.warmUpMs ?? 2_000;
	const started = performance.now();

	try {
		await ensureRedis();
	} catch (error) {
		return { reason: `not measured: Redis at ${REDIS_HOST}:${REDIS_PORT} is not available (${(error as Error).message.split('\n')[0]})` };
	}
	const pos = posCredential({ provider: 'standardWebhooks', signingSecret: SECRET, id: 'benchClusterPos1', name: 'POS cluster bench' });
	let cluster: N8nCluster;
	try {
		cluster = await startCluster({
			log,
			bootTimeoutMs: 180_000,
			credentials: (run) => [
				pos,
				{
					id: 'benchClusterLed1',
					name: 'POS Ledger Redis cluster bench',
					type: 'posLedgerRedisApi',
					data: { host: REDIS_HOST, port: String(REDIS_PORT), prefix: run.ledgerKeyPrefix },
				},
			],
			workflows: (run) => [webhookNodeWorkflow(), triggerWorkflowShared(pos, run.credentials[1])],
		});
	} catch (error) {
		return { reason: await unavailable(error) };
	}
	const setUpMs = performance.now() - started;
	log(`set up in ${Math.round(setUpMs / 1000)} s`);

	let outcome: ClusterBenchOutcome;
	try {
		const result = await measure(cluster, { durationMs, rounds, concurrency, warmUpMs });
		outcome = { result: { ...result, setUpMs: Math.round(setUpMs), wallMs: 0 } };
	} catch (error) {
		outcome = { reason: `not measured: ${(error as Error).message.split('\n')[0]}` };
	} finally {
		await cluster.stop().catch((error) => log(`stop failed: ${error}`));
	}
	if (outcome.result) outcome.result.wallMs = Math.round(performance.now() - started);
	return outcome;
}

interface Case {
	key: ClusterCaseKey;
	name: string;
	workflowId: string;
	urls: string[];
	make: (i: number) => OneRequest;
}

async function measure(
	cluster: N8nCluster,
	{ durationMs, rounds, concurrency, warmUpMs }: { durationMs: number; rounds: number; concurrency: number; warmUpMs: number },
): Promise<Omit<ClusterBench, 'setUpMs' | 'wallMs'>> {
	const hooks: ClusterProcess[] = cluster.webhooks;
	if (hooks.length < 2) throw new Error(`the cluster has ${hooks.length} webhook process(es), the case needs 2`);
	const runTag = Date.now().toString(36);
	let seq = 0;
	const cases: Case[] = [
		{
			key: 'webhookNode',
			name: "n8n's Webhook node, no auth (onReceived)",
			workflowId: IDS.webhookNode,
			urls: hooks.map((p) => `${p.baseUrl}/webhook/${HOOK_PATH}`),
			make: () => ({ headers: {}, body: body1k('x') }),
		},
		{
			key: 'trigger',
			name: 'POS trigger, Ledger Storage "Shared (Redis)", accepted',
			workflowId: IDS.trigger,
			urls: hooks.map((p) => p.triggerUrl(TRIGGER_WEBHOOK_ID)),
			make: () => signed(`msg_cluster_${runTag}_${seq++}`, SECRET),
		},
	];

	const outcomes = async (workflowId: string) =>
		tallyOutcomes(
			await cluster.query<{ status: string; n: number }>(
				`SELECT status, COUNT(*) AS n FROM execution_entity WHERE "workflowId" = '${workflowId}' GROUP BY status`,
			),
		);
	// Executions still queued (Bull) or running on the worker after the last reply: wait for them and
	// count that time in the case's rate. Polled with psql (one short process per look).
	const drain = async () => {
		const t0 = performance.now();
		for (;;) {
			const [row] = await cluster.query<{ n: number }>("SELECT COUNT(*) AS n FROM execution_entity WHERE status IN ('new', 'running') AND \"deletedAt\" IS NULL");
			if (!row || Number(row.n) === 0) return performance.now() - t0;
			if (performance.now() - t0 > 180_000) throw new Error(`${row.n} execution(s) still queued or running 180 s after the last reply`);
			await new Promise((r) => setTimeout(r, 150));
		}
	};

	// Each path answers on both webhook processes (the first request loads code and credentials).
	for (const c of cases) {
		for (const url of c.urls) {
			const deadline = Date.now() + 60_000;
			for (;;) {
				const status = await postOnce(url, c.make(0));
				if (status === 200) break;
				if (Date.now() > deadline) throw new Error(`${c.name}: ${url} answers ${status}, not 200`);
				await new Promise((res) => setTimeout(res, 500));
			}
		}
		if (warmUpMs > 0) await runLoad(c.urls, c.make, 2, warmUpMs);
		await drain();
	}

	const results = new Map<ClusterCaseKey, ThroughputCase[]>();
	const perRound: ClusterBench['perRound'] = [];
	let triggerNotAccepted = 0;
	for (let round = 0; round < rounds; round++) {
		const rates = {} as Record<ClusterCaseKey, number>;
		for (const c of cases) {
			const before = await outcomes(c.workflowId);
			const r = await runLoad(c.urls, c.make, concurrency, durationMs);
			const drainMs = await drain();
			const after = await outcomes(c.workflowId);
			const executionsFinished = after.success - before.success;
			const one: ThroughputCase = {
				name: c.name,
				key: c.key,
				workflowId: c.workflowId,
				startsExecutions: true,
				...r,
				executionsFinished,
				executionsFailed: after.other - before.other,
				drainMs: Math.round(drainMs),
				sustainedPerSec: round1(executionsFinished / ((r.elapsedMs + drainMs) / 1000)),
			};
			if (c.key === 'trigger') triggerNotAccepted += r.requests - (r.replies.accepted ?? 0);
			results.set(c.key, [...(results.get(c.key) ?? []), one]);
			rates[c.key] = one.sustainedPerSec;
			log(
				`round ${round + 1}/${rounds}: ${c.name}: ${one.sustainedPerSec}/s sustained (${executionsFinished} finished, ` +
					`last ${(drainMs / 1000).toFixed(1)} s after the last reply), replies ${one.rps}/s ${JSON.stringify(r.perTarget ?? {})}`,
			);
		}
		perRound.push({ round: round + 1, ...rates, ratio: rates.webhookNode > 0 ? round2(rates.trigger / rates.webhookNode) : null });
	}
	const median = (key: ClusterCaseKey) => {
		const xs = [...(results.get(key) ?? [])].sort((a, b) => a.sustainedPerSec - b.sustainedPerSec);
		return xs[Math.floor(xs.length / 2)];
	};
	const webhookNode = median('webhookNode');
	const trigger = median('trigger');
	return {
		durationMs,
		rounds,
		concurrency,
		processes: { main: 1, webhook: hooks.length, worker: 1 },
		webhookNode,
		trigger,
		ratio: webhookNode.sustainedPerSec > 0 ? round2(trigger.sustainedPerSec / webhookNode.sustainedPerSec) : null,
		perRound,
		triggerNotAccepted,
	};
}

/** runClusterBench that never throws: whatever goes wrong becomes the reason (the rest of the bench goes on). */
export async function clusterBench(options: Parameters<typeof runClusterBench>[0] = {}): Promise<ClusterBenchOutcome> {
	try {
		return await runClusterBench(options);
	} catch (error) {
		return { reason: `not measured: ${(error as Error).message.split('\n')[0]}` };
	}
}

if (require.main === module) {
	clusterBench({ durationMs: Number(process.argv[2] ?? 10_000), rounds: Number(process.argv[3] ?? 3), warmUpMs: Number(process.argv[4] ?? 2_000) })
		.then((r) => console.log(JSON.stringify(r, null, 1)))
		.catch((e) => {
			console.error(e);
			process.exit(1);
		});
}
