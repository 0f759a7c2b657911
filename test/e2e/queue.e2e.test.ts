/**
 * Queue mode on a real n8n 2.41 cluster (test/e2e/harness/cluster.ts): Postgres, Redis, one main,
 * two `n8n webhook` processes, one `n8n worker`, both packages installed on every process.
 *
 * Two workflows, identical but for Ledger Storage, each "POS Webhook Trigger -> HTTP Request (POST
 * the item to a recorder)" plus "Schedule (every 5 s) -> POS Reconcile -> the same HTTP Request",
 * whose POS events API is a simulator of its own: the recorder counts the downstream effect of
 * every event, whichever way it came.
 * - `after`:  Ledger Storage "Shared (Redis)": every scenario must end in exactly one effect per event.
 * - `before`: Ledger Storage "This n8n Process" (each webhook process has its own memory): the same
 *   scenarios, measured and printed, not asserted (it is what queue-mode users had before).
 * The POS is played by `deliver()`: it retries until it gets a 2xx, as POS systems do.
 */
import { randomUUID } from 'node:crypto';

import { startSimulator, type Simulator } from '../../simulator';
import type { SimEvent } from '../../simulator/events';
import { startCluster, type ClusterProcess, type N8nCluster } from './harness/cluster';
import {
	NODE_TYPES,
	n8nId,
	posCredential,
	post,
	progress,
	randomWhsecSecret,
	sleep,
	standardWebhooksHeaders,
	startRecorder,
	triggerWorkflow,
	type CredentialJson,
	type Recorder,
	type WorkflowJson,
} from './harness';
import { REDIS_HOST, REDIS_PORT } from '../helpers/redis';

jest.setTimeout(900_000);

const secret = randomWhsecSecret();
const API_TOKEN = 'sim_queue_token';
/** One POS (events API) per variant, so one variant's Reconcile never sees the other's events. */
const simulators = {} as Record<Variant, Simulator>;
const posApis = {} as Record<Variant, CredentialJson>;
const ledgerCredential = (prefix: string): CredentialJson => ({
	id: n8nId(),
	name: 'POS Ledger Redis e2e',
	type: 'posLedgerRedisApi',
	data: { host: REDIS_HOST, port: String(REDIS_PORT), prefix } as unknown as Record<string, string>,
});

type Variant = 'before' | 'after';
const VARIANTS: Variant[] = ['before', 'after'];
const webhookIds: Record<Variant, string> = { before: `e2e-q-before-${n8nId().toLowerCase()}`, after: `e2e-q-after-${n8nId().toLowerCase()}` };

let cluster: N8nCluster;
let recorder: Recorder;
let workflows: Record<Variant, WorkflowJson>;
/** Duplicates (effects beyond the first) and losses (events with no effect) per scenario and variant. */
const figures: Array<{ scenario: string; variant: Variant; events: number; effects: number; duplicates: number; lost: number; executions: number; accepted: number }> = [];

/** Webhook executions of a variant's workflow so far, to count those one scenario started (Reconcile's runs are mode "trigger"). */
const executionCount = async (variant: Variant) => (await cluster.executions(workflows[variant].id)).filter((e) => e.mode === 'webhook').length;

function workflowFor(variant: Variant, ledger: CredentialJson): WorkflowJson {
	const posApi = posApis[variant];
	const workflow = triggerWorkflow({ credential: posApi, webhookId: webhookIds[variant], recorderUrl: recorder.urlFor(variant), name: `queue ${variant}` });
	const recordNode = workflow.nodes.find((n) => n.type === NODE_TYPES.httpRequest)!;
	const reconcile = {
		id: n8nId(),
		name: 'Reconcile',
		type: NODE_TYPES.pos,
		typeVersion: 1,
		position: [0, 220] as [number, number],
		// Settle 3 s: what the webhooks deliver within that is theirs; the rest is Reconcile's.
		parameters: { resource: 'event', operation: 'reconcile', lookBackHours: 1, settleDelaySeconds: 3 } as Record<string, unknown>,
		credentials: { posApi: { id: posApi.id, name: posApi.name } } as Record<string, { id: string; name: string }>,
	};
	workflow.nodes.push(
		{
			id: n8nId(),
			name: 'Every 5 Seconds',
			type: 'n8n-nodes-base.scheduleTrigger',
			typeVersion: 1.2,
			position: [-260, 220],
			parameters: { rule: { interval: [{ field: 'seconds', secondsInterval: 5 }] } },
		},
		reconcile,
	);
	workflow.connections['Every 5 Seconds'] = { main: [[{ node: 'Reconcile', type: 'main', index: 0 }]] };
	workflow.connections.Reconcile = { main: [[{ node: recordNode.name, type: 'main', index: 0 }]] };
	if (variant === 'after') {
		for (const node of [workflow.nodes.find((n) => n.type === NODE_TYPES.trigger)!, reconcile]) {
			node.parameters.ledgerStorage = 'redis';
			node.credentials = { ...node.credentials, posLedgerRedisApi: { id: ledger.id, name: ledger.name } };
		}
	}
	return workflow;
}

function body(id: string): string {
	return JSON.stringify({ type: 'order.created', timestamp: new Date().toISOString(), data: { order_id: id, total: 1250, currency: 'USD' } });
}

/** One delivery attempt, signed now (a POS signs every attempt afresh). Status 0: no answer. */
async function attempt(process: ClusterProcess, variant: Variant, id: string, text = body(id)): Promise<{ status: number; outcome?: string }> {
	try {
		const res = await post(process.triggerUrl(webhookIds[variant]), text, standardWebhooksHeaders(secret, { id, body: text }));
		return { status: res.status, outcome: res.json?.status as string | undefined };
	} catch {
		return { status: 0 };
	}
}

/** Delivers like a POS: retries (1 s apart, up to 2 min) until a 2xx; `route` picks the process per attempt. */
async function deliver(route: (attemptNo: number) => ClusterProcess, variant: Variant, id: string, text?: string): Promise<string> {
	for (let n = 0; n < 120; n++) {
		const r = await attempt(route(n), variant, id, text);
		if (r.status >= 200 && r.status < 300) return r.outcome ?? '';
		await sleep(1_000);
	}
	throw new Error(`${variant} ${id}: no 2xx after 120 attempts`);
}

/**
 * Waits until every id has had its effect and the workflow has no execution left running, then
 * a little longer for late duplicates; returns effects per id.
 */
async function settle(variant: Variant, ids: string[]): Promise<Map<string, number>> {
	const counts = () => {
		const m = new Map<string, number>(ids.map((id) => [id, 0]));
		for (const b of recorder.bodies<{ id: string }>(variant)) if (m.has(b.id)) m.set(b.id, (m.get(b.id) ?? 0) + 1);
		return m;
	};
	const deadline = Date.now() + 180_000;
	while (Date.now() < deadline) {
		const executions = await cluster.executions(workflows[variant].id);
		const busy = executions.some((e) => e.stoppedAt === null || e.status === 'running' || e.status === 'new');
		if (!busy && [...counts().values()].every((n) => n >= 1)) break;
		await sleep(500);
	}
	await sleep(3_000); // a late duplicate would have been queued by now
	return counts();
}

/**
 * Effects per id, plus what the POS and n8n saw: executions started (an execution that the
 * trigger's execute() drops as already started still costs one) and replies "accepted".
 */
async function record(scenario: string, variant: Variant, perId: Map<string, number>, executionsBefore: number, outcomes: string[]): Promise<void> {
	const values = [...perId.values()];
	const row = {
		executions: (await executionCount(variant)) - executionsBefore,
		accepted: outcomes.filter((o) => o === 'accepted').length,
		scenario,
		variant,
		events: values.length,
		effects: values.reduce((a, b) => a + b, 0),
		duplicates: values.reduce((a, n) => a + Math.max(0, n - 1), 0),
		lost: values.filter((n) => n === 0).length,
	};
	figures.push(row);
	progress(
		`${scenario} [${variant}]: ${row.events} events, ${row.effects} effects, ${row.duplicates} duplicates, ${row.lost} lost, ` +
			`${row.executions} executions, ${row.accepted} replies "accepted"`,
	);
}

function expectExactlyOnce(perId: Map<string, number>): void {
	expect([...perId.entries()].filter(([, n]) => n !== 1)).toEqual([]);
}

const ids = (label: string, variant: Variant, n: number) => Array.from({ length: n }, (_, i) => `q-${label}-${variant}-${i}-${randomUUID().slice(0, 8)}`);

beforeAll(async () => {
	recorder = await startRecorder();
	for (const variant of VARIANTS) {
		simulators[variant] = await startSimulator({ port: 0, apiToken: API_TOKEN, seed: variant === 'before' ? 21 : 22 });
		posApis[variant] = posCredential({ provider: 'standardWebhooks', signingSecret: secret, apiToken: API_TOKEN, baseUrl: simulators[variant].url });
	}
	cluster = await startCluster({
		credentials: (run) => [posApis.before, posApis.after, ledgerCredential(run.ledgerKeyPrefix)],
		workflows: (run) => {
			workflows = { before: workflowFor('before', run.credentials[2]), after: workflowFor('after', run.credentials[2]) };
			return [workflows.before, workflows.after];
		},
	});
}, 900_000);

afterAll(async () => {
	if (figures.length > 0) {
		progress('queue mode, downstream effects per event (before = in-process ledger, after = shared Redis ledger):');
		for (const f of figures) {
			progress(
				`  ${f.scenario.padEnd(38)} ${f.variant.padEnd(6)} events ${f.events}  duplicates ${f.duplicates}  lost ${f.lost}  executions ${f.executions}  accepted ${f.accepted}`,
			);
		}
	}
	await cluster?.stop();
	await recorder?.close();
	for (const sim of Object.values(simulators)) await sim.close();
});

describe.each(VARIANTS)('queue mode, %s', (variant) => {
	const [w1, w2] = [() => cluster.webhooks[0], () => cluster.webhooks[1]];

	test('duplicate pairs sent to both webhook processes at the same moment', async () => {
		const list = ids('pair', variant, 20);
		const before = await executionCount(variant);
		const outcomes = await Promise.all(list.flatMap((id) => [deliver(w1, variant, id), deliver(w2, variant, id)]));
		const perId = await settle(variant, list);
		await record('pairs to both processes at once', variant, perId, before, outcomes);
		if (variant === 'after') {
			expectExactlyOnce(perId);
			expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(20);
			expect(await executionCount(variant)).toBe(before + 20);
		}
	});

	test('a 50-way storm of one id split across both processes', async () => {
		const [id] = ids('storm', variant, 1);
		const before = await executionCount(variant);
		const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => deliver(i % 2 ? w1 : w2, variant, id)));
		const perId = await settle(variant, [id]);
		await record('50-way storm of one id', variant, perId, before, outcomes);
		if (variant === 'after') {
			expectExactlyOnce(perId);
			expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(1);
			expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(49);
		}
	});

	test('a retry landing on the other process seconds later', async () => {
		const list = ids('retry', variant, 20);
		const before = await executionCount(variant);
		const first = await Promise.all(list.map((id) => deliver(w1, variant, id)));
		await sleep(3_000);
		const retries = await Promise.all(list.map((id) => deliver(w2, variant, id)));
		const perId = await settle(variant, list);
		await record('retry on the other process 3 s later', variant, perId, before, [...first, ...retries]);
		if (variant === 'after') {
			expectExactlyOnce(perId);
			expect(first.every((o) => o === 'accepted')).toBe(true);
			expect(retries.every((o) => o === 'duplicate')).toBe(true);
		}
	});

	test('one webhook process restarted mid-stream, then every event retried to it', async () => {
		const list = ids('restart', variant, 30);
		const before = await executionCount(variant);
		const streamed: string[] = [];
		// The POS streams to process 1; its load balancer fails over to process 2 while 1 is down.
		let restarting: Promise<void> | undefined;
		const stream = async () => {
			for (let i = 0; i < list.length; i++) {
				if (i === 10) restarting = cluster.webhooks[0].restart();
				streamed.push(await deliver((n) => (n === 0 ? w1() : w2()), variant, list[i]));
			}
		};
		await stream();
		await restarting;
		// Retries of every event (a POS that never saw the 200 of some) to the restarted process.
		const retries = await Promise.all(list.map((id) => deliver(w1, variant, id)));
		const perId = await settle(variant, list);
		await record('webhook process restarted mid-stream', variant, perId, before, [...streamed, ...retries]);
		if (variant === 'after') {
			expectExactlyOnce(perId);
			expect(retries.every((o) => o === 'duplicate')).toBe(true);
		}
	});

	test('Reconcile on the worker recovers what the webhooks missed, then every event retried to a freshly restarted process', async () => {
		const sim = simulators[variant];
		// 20 orders in the POS's history, happening now; the POS delivers only every other one.
		const events: SimEvent[] = sim.generate({ provider: 'standardWebhooks', count: 20, startTime: Date.now(), spacingMs: 10 });
		const list = events.map((e) => e.eventId);
		const before = await executionCount(variant);
		const delivered = await Promise.all(events.filter((_e, i) => i % 2 === 0).map((e, i) => deliver(i % 2 ? w1 : w2, variant, e.eventId, e.body)));
		// Reconcile (every 5 s, 3 s settle, on the worker) brings the other 10.
		const missed = list.filter((_id, i) => i % 2 === 1);
		const deadline = Date.now() + 120_000;
		const effectsOf = (id: string) => recorder.bodies<{ id: string }>(variant).filter((b) => b.id === id).length;
		while (Date.now() < deadline && missed.some((id) => effectsOf(id) === 0)) await sleep(1_000);
		const recovered = recorder.bodies<{ id: string; recovered?: boolean }>(variant).filter((b) => missed.includes(b.id) && b.recovered === true);
		// A freshly restarted webhook process (nothing in memory), then the POS retries all 20 to it.
		await cluster.webhooks[0].restart();
		const retries = await Promise.all(events.map((e) => deliver(w1, variant, e.eventId, e.body)));
		const perId = await settle(variant, list);
		await record('Reconcile on worker, retries to restarted', variant, perId, before, [...delivered, ...retries]);
		progress(`  reconcile [${variant}]: ${recovered.length} of ${missed.length} missed events recovered by Reconcile`);
		if (variant === 'after') {
			expectExactlyOnce(perId);
			expect(delivered.every((o) => o === 'accepted')).toBe(true);
			expect(new Set(recovered.map((b) => b.id))).toEqual(new Set(missed));
			expect(retries.every((o) => o === 'duplicate')).toBe(true);
			// Nothing of the shared ledger went into the workflow's static data (a worker's {} would overwrite it).
			const [row] = await cluster.query<{ staticData: unknown }>(`SELECT "staticData" FROM workflow_entity WHERE id = '${workflows[variant].id}'`);
			expect(JSON.stringify(row?.staticData ?? null)).not.toContain('posWebhooksLedger');
		}
	});
});
