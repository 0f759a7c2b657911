/**
 * Ledger Storage "Shared (Redis)" through the trigger's webhook() and activation hook, as n8n
 * calls them, on the machine's real Redis with the companion package's factory registered the
 * way n8n's loading of the companion registers it. resetLedgersForTest() plays "another process"
 * (no in-process memory), which is what a second webhook process is to the in-process ledger.
 */
import { createHmac } from 'node:crypto';

import Redis from 'ioredis';
import type { IHookFunctions, IWebhookFunctions } from 'n8n-workflow';
import { Webhook as StandardWebhook } from 'standardwebhooks';

import { Pos } from '../../../nodes/Pos/Pos.node';
import { PosWebhookTrigger } from '../../../nodes/PosWebhookTrigger/PosWebhookTrigger.node';
import { resetLedgersForTest, STATIC_DATA_KEY } from '../../../nodes/shared/ledger/registry';
import { registerSharedLedgerFactory, type SharedLedgerFactory } from '../../../nodes/shared/ledger/sharedStore';
import type { PosCredentialData } from '../../../nodes/shared/providers/types';
import { RedisLedgerFactory } from '../../../packages/redis-ledger/lib/factory';
import { dropPrefix, ensureRedis, REDIS_HOST, REDIS_PORT, uniquePrefix } from '../../helpers/redis';
import { createExecuteContext, ProcessedDataTable } from '../../helpers/executeContext';
import { makeEvents } from '../Pos/fixtures';
import { FixtureServer } from '../Pos/fixtureServer';
import { fakeWebhookContext } from '../../helpers/webhookContext';

const SECRET = 'whsec_' + Buffer.from('a 32 byte key for the tests.....').toString('base64');
const posApi: PosCredentialData = { provider: 'standardWebhooks', signingSecret: SECRET };
const node = new PosWebhookTrigger();

let admin: Redis;
let factory: RedisLedgerFactory;
let prefix: string;
let redisData: Record<string, unknown>;

function signedRequest(id: string) {
	const when = new Date();
	const body = JSON.stringify({ type: 'order.paid', data: { order_id: id } });
	return {
		headers: {
			'content-type': 'application/json',
			'webhook-id': id,
			'webhook-timestamp': String(Math.floor(when.getTime() / 1000)),
			'webhook-signature': new StandardWebhook(SECRET).sign(id, when, body),
		},
		body,
	};
}

/** webhook() with Ledger Storage "Shared (Redis)"; n8n then answers with the webhookResponse. */
async function deliver(id: string, parameters: Record<string, unknown> = {}) {
	const run = fakeWebhookContext(signedRequest(id), { credential: posApi, credentialId: 'cred-1', parameters: { ledgerStorage: 'redis', ...parameters } });
	const ctx = run.ctx as unknown as { getCredentials: (type: string) => Promise<unknown> };
	ctx.getCredentials = async (type: string) => (type === 'posLedgerRedisApi' ? { ...redisData } : { ...posApi });
	const result = await node.webhook.call(run.ctx as IWebhookFunctions);
	if (result.workflowData) run.n8nAnswers(200, result.webhookResponse);
	return { ...run, result };
}

function hookContext(parameters: Record<string, unknown>, staticData: Record<string, unknown> = {}): IHookFunctions {
	const all: Record<string, unknown> = { dedupe: true, dedupeWindowHours: 72, ledgerStorage: 'redis', ...parameters };
	return {
		getCredentials: async (type: string) => (type === 'posLedgerRedisApi' ? { ...redisData } : { ...posApi }),
		getNodeParameter: (name: string, fallback?: unknown) => (name in all ? all[name] : fallback),
		getNode: () => ({ name: 'POS Webhook Trigger', credentials: { posApi: { id: 'cred-1', name: 'POS' }, posLedgerRedisApi: { id: 'redis-1', name: 'R' } } }),
		getMode: () => 'trigger',
		getWorkflow: () => ({ id: 'wf-1', name: 'Test', active: true }),
		getWorkflowStaticData: () => staticData,
		getNodeWebhookUrl: () => 'https://n8n.example.com/webhook/abc/pos',
		logger: { warn: () => undefined, error: () => undefined, info: () => undefined, debug: () => undefined },
	} as unknown as IHookFunctions;
}

beforeAll(async () => {
	await ensureRedis();
	admin = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
});
beforeEach(() => {
	prefix = uniquePrefix('trigger');
	redisData = { host: REDIS_HOST, port: REDIS_PORT, prefix };
	factory = new RedisLedgerFactory('test');
	registerSharedLedgerFactory(factory);
	resetLedgersForTest();
});
afterEach(async () => {
	await factory.closeAll();
	await dropPrefix(admin, prefix);
});
afterAll(async () => {
	registerSharedLedgerFactory(undefined as unknown as SharedLedgerFactory);
	await admin.quit();
});

describe('POS Webhook Trigger with Ledger Storage "Shared (Redis)"', () => {
	it('accepts an event once; the retry reaching a process without it in memory is a duplicate', async () => {
		const first = await deliver('msg_shared_1');
		expect(first.result.webhookResponse).toEqual({ status: 'accepted', id: 'msg_shared_1' });
		expect(first.result.workflowData?.[0]).toHaveLength(1);
		resetLedgersForTest(); // "another webhook process"
		const retry = await deliver('msg_shared_1');
		expect(retry.result).toEqual({ webhookResponse: { status: 'duplicate', id: 'msg_shared_1' } });
		// Nothing of the shared ledger goes into static data (a worker's {} must not overwrite it).
		expect(first.staticData[STATIC_DATA_KEY]).toBeUndefined();
	});

	it('lets one of 20 concurrent deliveries of one id start an execution', async () => {
		const results = await Promise.all(Array.from({ length: 20 }, () => deliver('msg_storm')));
		const accepted = results.filter((r) => r.result.workflowData !== undefined);
		expect(accepted).toHaveLength(1);
		expect(results.filter((r) => (r.result.webhookResponse as { status?: string })?.status === 'duplicate')).toHaveLength(19);
	});

	it('answers 503 (the POS retries) and starts nothing when Redis is unreachable', async () => {
		redisData = { host: REDIS_HOST, port: 1, prefix };
		const run = await deliver('msg_down');
		expect(run.result).toEqual({ noWebhookResponse: true });
		expect(run.response.status).toBe(503);
		expect(run.response.body).toMatchObject({ status: 'error', reason: 'temporarily_unavailable' });
	});

	it('answers 503 when the companion package is not installed in this process', async () => {
		registerSharedLedgerFactory(undefined as unknown as SharedLedgerFactory);
		const run = await deliver('msg_nocompanion');
		expect(run.response.status).toBe(503);
		expect(run.logs.join('\n')).toContain('n8n-nodes-pos-webhooks-redis');
	});

	it('keeps the in-process ledger for manual (test URL) runs', async () => {
		const run = fakeWebhookContext(signedRequest('msg_manual'), { credential: posApi, parameters: { ledgerStorage: 'redis' }, mode: 'manual' });
		const result = await node.webhook.call(run.ctx);
		expect(result.webhookResponse).toEqual({ status: 'accepted', id: 'msg_manual' });
		expect(await factory.open({ host: REDIS_HOST, port: REDIS_PORT, tls: false, database: 0, keyPrefix: prefix }, { workflowId: 'wf-1', windowMs: 72 * 3_600_000 }).has('msg_manual', Date.now())).toBe(false);
	});

	describe("processDelivery's claim rules (claimDelivery), kept by the shared claim", () => {
		const shopify: PosCredentialData = { provider: 'shopify', signingSecret: 's' };
		const hmac = (payload: string) => createHmac('sha256', 's').update(payload).digest('base64');
		const shopifyRequest = (body: string, topic: string, id: string) => ({
			headers: { 'content-type': 'application/json', 'x-shopify-hmac-sha256': hmac(body), 'x-shopify-webhook-id': id, 'x-shopify-topic': topic },
			body,
		});
		/** One delivery to a process that has nothing in memory (resetLedgersForTest: another webhook process). */
		async function deliverShopify(request: ReturnType<typeof shopifyRequest>, parameters: Record<string, unknown> = {}) {
			resetLedgersForTest();
			const run = fakeWebhookContext(request, { credential: shopify, credentialId: 'cred-shopify', parameters: { ledgerStorage: 'redis', ...parameters } });
			const ctx = run.ctx as unknown as { getCredentials: (type: string) => Promise<unknown> };
			ctx.getCredentials = async (type: string) => (type === 'posLedgerRedisApi' ? { ...redisData } : { ...shopify });
			const result = await node.webhook.call(run.ctx as IWebhookFunctions);
			if (result.workflowData) run.n8nAnswers(200, result.webhookResponse);
			return result;
		}
		const sharedStore = () =>
			factory.open({ host: REDIS_HOST, port: REDIS_PORT, tls: false, database: 0, keyPrefix: prefix }, { workflowId: 'wf-1', windowMs: 72 * 3_600_000 });

		it('an ignored delivery with an unsigned type records its replay key: re-typed (any id) it is a duplicate', async () => {
			const body = JSON.stringify({ id: 7, updated_at: new Date().toISOString() });
			const parameters = { events: 'orders/paid' };
			expect((await deliverShopify(shopifyRequest(body, 'orders/updated', 'w-1'), parameters)).webhookResponse).toEqual({ status: 'ignored', id: 'w-1', type: 'orders/updated' });
			expect((await deliverShopify(shopifyRequest(body, 'orders/paid', 'w-1'), parameters)).webhookResponse).toEqual({ status: 'duplicate', id: 'w-1' });
			expect((await deliverShopify(shopifyRequest(body, 'orders/paid', 'w-2'), parameters)).webhookResponse).toEqual({ status: 'duplicate', id: 'w-2' });
			// Recording the replay key claimed no event id.
			expect(await sharedStore().has('w-1', Date.now())).toBe(false);
			const other = JSON.stringify({ id: 8 });
			const fresh = await deliverShopify(shopifyRequest(other, 'orders/paid', 'w-3'), parameters);
			expect(fresh.workflowData?.[0]).toHaveLength(1);
		});

		it('a known replay key is a duplicate and claims nothing (the new id stays free)', async () => {
			const body = JSON.stringify({ id: 9, updated_at: new Date().toISOString() });
			const first = await deliverShopify(shopifyRequest(body, 'orders/paid', 'w-10'));
			expect(first.workflowData?.[0]).toHaveLength(1);
			const keysBefore = (await admin.keys(`${prefix}*k:*`)).length;
			for (const id of ['w-11', 'w-12', 'w-13']) {
				expect((await deliverShopify(shopifyRequest(body, 'orders/paid', id))).webhookResponse).toEqual({ status: 'duplicate', id });
			}
			expect((await admin.keys(`${prefix}*k:*`)).length).toBe(keysBefore);
			expect(await sharedStore().has('w-11', Date.now())).toBe(false);
			expect(await sharedStore().has('w-10', Date.now())).toBe(true);
		});
	});

	describe('activation', () => {
		it('activates and writes the trigger settings into Redis, not into static data', async () => {
			const staticData = {};
			await expect(node.webhookMethods.default.create.call(hookContext({}, staticData))).resolves.toBe(true);
			expect(staticData).toEqual({});
			expect(JSON.parse((await admin.get(`${prefix}{wf-1}:settings`)) ?? '{}')).toMatchObject({ dedupeWindowHours: 72, events: '*', removeFields: [] });
		});

		it('refuses to activate, naming the missing package, without the companion', async () => {
			registerSharedLedgerFactory(undefined as unknown as SharedLedgerFactory);
			await expect(node.webhookMethods.default.create.call(hookContext({}))).rejects.toMatchObject({
				message: expect.stringContaining('n8n-nodes-pos-webhooks-redis'),
				description: expect.stringContaining('on every n8n process'),
			});
		});

		it('refuses to activate when Redis does not answer', async () => {
			redisData = { host: REDIS_HOST, port: 1, prefix };
			await expect(node.webhookMethods.default.create.call(hookContext({}))).rejects.toMatchObject({
				message: expect.stringMatching(/^The shared ledger's Redis cannot be used: Cannot use Redis at 127\.0\.0\.1:1/),
			});
		});

		it('does not touch Redis with In-Process storage', async () => {
			registerSharedLedgerFactory(undefined as unknown as SharedLedgerFactory);
			await expect(node.webhookMethods.default.create.call(hookContext({ ledgerStorage: 'process' }))).resolves.toBe(true);
		});
	});

	it('the credential test connects, and says when the companion is missing', async () => {
		const test = node.methods.credentialTest.posLedgerRedisConnection;
		const cred = (data: Record<string, unknown>) => ({ id: 'r', name: 'R', type: 'posLedgerRedisApi', data }) as never;
		await expect(test.call({} as never, cred(redisData))).resolves.toEqual({ status: 'OK', message: 'Connected to Redis' });
		expect((await test.call({} as never, cred({ ...redisData, port: 1 }))).status).toBe('Error');
		registerSharedLedgerFactory(undefined as unknown as SharedLedgerFactory);
		expect((await test.call({} as never, cred(redisData))).message).toContain('n8n-nodes-pos-webhooks-redis');
	});
});

const api = new FixtureServer();
beforeAll(async () => {
	await api.start();
});
afterAll(async () => api.stop());

/**
 * The POS node as a worker runs it: static data {} and the shared ledger's credential. Workers
 * share n8n's database (processedData), not their memory.
 */
async function runPosNode(parameters: Record<string, unknown>, processedData = new ProcessedDataTable()) {
	const harness = createExecuteContext({
		nodeType: new Pos(),
		parameters: { dedupeWindowHours: 72, ledgerStorage: 'redis', ...parameters } as never,
		credentials: { ...posApi, apiToken: api.token, baseUrl: api.baseUrl } as never,
		workflowId: 'wf-1',
		mode: 'trigger',
		processedData,
	});
	const context = harness.context as unknown as { getCredentials: (type: string) => Promise<unknown> };
	const original = context.getCredentials.bind(context);
	context.getCredentials = async (type: string) => (type === 'posLedgerRedisApi' ? { ...redisData } : original(type));
	const [output] = await harness.run();
	return { items: output.map((o) => o.json), staticData: harness.staticData };
}

/** The execution n8n registered for an accepted delivery, started on a worker: the trigger's execute() first. */
async function startOnWorker(delivered: Awaited<ReturnType<typeof deliver>>, processedData = new ProcessedDataTable()) {
	const items = delivered.result.workflowData?.[0];
	if (!items) throw new Error('the delivery started no execution');
	const harness = createExecuteContext({
		nodeType: node,
		parameters: { events: '*', ledgerStorage: 'redis' } as never,
		mode: 'webhook',
		workflowId: 'wf-1',
		inputItems: items,
		processedData,
	});
	const context = harness.context as unknown as { getCredentials: (type: string) => Promise<unknown> };
	const original = context.getCredentials.bind(context);
	context.getCredentials = async (type: string) => (type === 'posLedgerRedisApi' ? { ...redisData } : original(type));
	const [output] = await harness.run();
	return output.map((o) => o.json.id as string);
}

describe('POS node with Ledger Storage "Shared (Redis)" (as a worker runs it)', () => {
	it('Ledger > Get Stats reads the shared ledger, and leaves the worker\'s static data alone', async () => {
		await deliver('msg_stats_1');
		const second = await deliver('msg_stats_1');
		expect(second.result.webhookResponse).toEqual({ status: 'duplicate', id: 'msg_stats_1' });
		resetLedgersForTest();
		const { items, staticData } = await runPosNode({ resource: 'ledger', operation: 'getStats' });
		expect(items).toEqual([expect.objectContaining({ entries: 1, accepted: 1, duplicate: 1, windowHours: 72, maxEntries: null })]);
		expect(staticData).toEqual({});
	});

	it('Ledger > Forget on a worker frees the id for every webhook process', async () => {
		await deliver('msg_forget_1');
		resetLedgersForTest();
		const { items } = await runPosNode({ resource: 'ledger', operation: 'forget', eventId: 'msg_forget_1' });
		expect(items).toEqual([{ eventId: 'msg_forget_1', forgotten: true }]);
		expect((await deliver('msg_forget_1')).result.webhookResponse).toEqual({ status: 'accepted', id: 'msg_forget_1' });
	});

	it("Event > Get Many strips the trigger's Fields to Remove, which only Redis holds (as the main wrote them at activation)", async () => {
		api.generic.length = 0;
		const now = Date.now();
		api.generic.push(...makeEvents('generic', 3, now - 3 * 3_600_000, now - 3_600_000));
		await node.webhookMethods.default.create.call(hookContext({ options: { removeFields: 'data.total' } }));
		resetLedgersForTest();
		const listed = (parameters: Record<string, unknown>) => runPosNode({ resource: 'event', operation: 'getMany', returnAll: true, ...parameters });

		const shared = await listed({});
		expect(shared.items).toHaveLength(3);
		for (const item of shared.items) {
			const order = (item.data as { data: Record<string, unknown> }).data;
			expect(order).toHaveProperty('currency');
			expect(order).not.toHaveProperty('total');
		}
		expect(shared.staticData).toEqual({});
		// In-Process storage looks in static data, where the shared trigger wrote nothing: the field stays.
		const inProcess = await listed({ ledgerStorage: 'process' });
		expect((inProcess.items[0].data as { data: Record<string, unknown> }).data).toHaveProperty('total');
	});

	describe('Event > Reconcile', () => {
		const reconcile = { resource: 'event', operation: 'reconcile' };
		beforeEach(() => {
			api.generic.length = 0;
		});

		it("emits only what no webhook process accepted, with the trigger's event types and fields to remove, and claims it for every process", async () => {
			const now = Date.now();
			const events = makeEvents('generic', 6, now - 5 * 3_600_000, now - 3_600_000, (i) => (i % 3 === 2 ? 'menu.updated' : 'order.created'));
			api.generic.push(...events);
			// The trigger, activated on the main: writes what Reconcile on a worker must follow.
			await node.webhookMethods.default.create.call(
				hookContext({ eventTypes: ['order.created'], options: { removeFields: 'data.total' } }),
			);
			// Two events reached the webhook processes, and their executions started on a worker.
			await startOnWorker(await deliver(events[0].id));
			await startOnWorker(await deliver(events[1].id));
			resetLedgersForTest(); // the worker: nothing in memory

			const database = new ProcessedDataTable();
			const first = await runPosNode(reconcile, database);
			// order.created only (menu.updated is not wanted by the trigger), minus the two delivered.
			expect(first.items.map((i) => i.id)).toEqual([events[3].id, events[4].id]);
			for (const item of first.items) {
				expect(item).toMatchObject({ recovered: true, type: 'order.created' });
				const order = (item.data as { data: Record<string, unknown> }).data;
				expect(order).toHaveProperty('currency');
				expect(order).not.toHaveProperty('total');
			}
			// Nothing of the shared ledger goes into the worker's static data.
			expect(first.staticData).toEqual({});

			// A second worker (or the next run) emits nothing again: claims and checkpoint are in Redis.
			resetLedgersForTest();
			expect((await runPosNode(reconcile, database)).items).toEqual([]);
			// A POS retry of an emitted event, reaching any webhook process, is a duplicate.
			expect((await deliver(events[3].id)).result.webhookResponse).toEqual({ status: 'duplicate', id: events[3].id });
			const stats = await runPosNode({ resource: 'ledger', operation: 'getStats' });
			expect(stats.items[0]).toMatchObject({ recovered: 2, accepted: 2 });
		});

		it("with completion tracking, re-emits on a worker what no worker marked done, keeping every record in Redis (not n8n's per-workflow row)", async () => {
			const now = Date.now();
			const events = makeEvents('generic', 3, now - 150 * 60_000, now - 140 * 60_000, () => 'order.created');
			api.generic.push(...events);
			// Each execution started on a worker (its first step recorded it) ...
			for (const event of events) await startOnWorker(await deliver(event.id));
			resetLedgersForTest();
			const database = new ProcessedDataTable();
			// ... two flows finished (on two workers); the third crashed before Mark Done.
			await Promise.all([
				runPosNode({ resource: 'ledger', operation: 'markDone', eventId: events[0].id }, database),
				runPosNode({ resource: 'ledger', operation: 'markDone', eventId: events[1].id }, database),
			]);
			const store = factory.open(
				{ host: REDIS_HOST, port: REDIS_PORT, tls: false, database: 0, keyPrefix: prefix },
				{ workflowId: 'wf-1', windowMs: 72 * 3_600_000 },
			);
			await store.setReconcile({ completionSince: now - 5 * 3_600_000 } as never); // tracking on for hours
			const tracked = { ...reconcile, completionTracking: true, finishWithinMinutes: 60, maxReemits: 3 };
			const first = await runPosNode(tracked, database);
			expect(first.items.map((i) => [i.id, i.reemitted])).toEqual([[events[2].id, 2]]);
			// Re-emission number 2 is made once, whichever worker runs the next reconciliation.
			expect((await runPosNode(tracked, database)).items).toEqual([]);
			expect(database.rows.size).toBe(0);
			expect(first.staticData).toEqual({});
		});

		it('emits, once, an accepted event whose execution never started (its worker killed first); that execution, started late, does nothing', async () => {
			const now = Date.now();
			const events = makeEvents('generic', 3, now - 3 * 3_600_000, now - 2 * 3_600_000, () => 'order.created');
			api.generic.push(...events);
			// All three accepted (n8n answered 200: each execution is a job in Redis) ...
			const delivered = [];
			for (const event of events) delivered.push(await deliver(event.id));
			// ... but only the first one's worker lived to run its first step.
			expect(await startOnWorker(delivered[0])).toEqual([events[0].id]);
			// Its "registered" mark goes once "started" is recorded (Redis memory): 3 registered + 1 started - 1.
			const marksLeft = async () => (await admin.keys(`${prefix}{wf-1}:m:*`)).length;
			for (let i = 0; i < 50 && (await marksLeft()) !== 3; i++) await new Promise((r) => setTimeout(r, 20));
			expect(await marksLeft()).toBe(3);
			resetLedgersForTest();

			// Within the Settle Delay of n8n's answer they may still be waiting in the queue: left alone,
			// and the checkpoint stays before them so that the next run sees them again.
			expect((await runPosNode({ ...reconcile, settleDelaySeconds: 300 })).items).toEqual([]);
			const first = await runPosNode({ ...reconcile, settleDelaySeconds: 0 });
			expect(first.items.map((i) => i.id)).toEqual([events[1].id, events[2].id]);
			expect(first.items.every((i) => i.recovered === true)).toBe(true);
			// The late execution of one of them finds the "started" record Reconcile wrote: no second effect.
			expect(await startOnWorker(delivered[1])).toEqual([]);
			// Nothing again, from any worker; the first event, which did start, was never emitted.
			resetLedgersForTest();
			expect((await runPosNode({ ...reconcile, settleDelaySeconds: 0 })).items).toEqual([]);
		});

		it('emits an event a webhook process holds pending (its execution is being registered) nowhere: it is a duplicate', async () => {
			const now = Date.now();
			const [event] = makeEvents('generic', 1, now - 2 * 3_600_000, now - 3_600_000, () => 'order.created');
			api.generic.push(event);
			const store = factory.open(
				{ host: REDIS_HOST, port: REDIS_PORT, tls: false, database: 0, keyPrefix: prefix },
				{ workflowId: 'wf-1', windowMs: 72 * 3_600_000 },
			);
			expect(await store.claim([event.id], Date.now())).toBe('new'); // pending, not yet confirmed
			expect((await runPosNode(reconcile)).items).toEqual([]);
		});
	});
});
