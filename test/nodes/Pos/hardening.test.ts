/**
 * Hardening regressions of the POS node (issue 9, with the trigger/Reconcile agreement of issues
 * 12 and 14), through execute() as n8n calls it and, where the trigger is involved, its webhook().
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { NodeApiError, NodeOperationError, type IDataObject, type INodeParameters } from 'n8n-workflow';
import { Webhook as StandardWebhook } from 'standardwebhooks';

import { PosWebhookTrigger } from '../../../nodes/PosWebhookTrigger/PosWebhookTrigger.node';
import { resetLedgersForTest, STATIC_DATA_KEY } from '../../../nodes/shared/ledger/registry';
import { fakeWebhookContext, webhookAsN8n } from '../../helpers/webhookContext';
import { makeEvents, standardPayload, type FixtureEvent } from './fixtures';
import { FixtureServer } from './fixtureServer';
import { DAY, expectRejection, fastRetries, HOUR, newWorkflowId, runPos, sharedLedger } from './setup';

const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const trigger = new PosWebhookTrigger();
const server = new FixtureServer();

beforeAll(async () => {
	fastRetries();
	await server.start();
});
afterAll(async () => server.stop());
beforeEach(() => {
	server.stripe.length = 0;
	server.square.length = 0;
	server.generic.length = 0;
	server.requests.length = 0;
	server.intercept = undefined;
});
afterEach(() => jest.restoreAllMocks());

/** The Standard Webhooks delivery of a fixture event, through the trigger's webhook(). */
async function deliverToTrigger(event: FixtureEvent, parameters: IDataObject, workflowId: string, staticData: IDataObject, nowMs = Date.now()) {
	const body = JSON.stringify(standardPayload(event));
	const when = new Date(nowMs);
	const run = fakeWebhookContext(
		{
			headers: {
				'webhook-id': event.id,
				'webhook-timestamp': String(Math.floor(nowMs / 1000)),
				'webhook-signature': new StandardWebhook(SW_SECRET).sign(event.id, when, body),
			},
			body,
		},
		{ credential: { provider: 'standardWebhooks', signingSecret: SW_SECRET }, credentialId: 'cred-sw', parameters, staticData, workflowId },
	);
	const result = await webhookAsN8n(trigger, run);
	if (result.workflowData) return { outcome: 'accepted', item: result.workflowData[0][0].json };
	return { outcome: (result.webhookResponse as { status?: string } | undefined)?.status ?? run.response.status, item: undefined };
}

/** What n8n gives the trigger's webhook create() on activation (IHookFunctions, the parts it uses). */
function activationContext(workflowId: string, staticData: IDataObject, parameters: IDataObject, logs: string[]) {
	return {
		getCredentials: async () => ({ provider: 'standardWebhooks', signingSecret: SW_SECRET }),
		getNode: () => ({ name: 'POS Webhook Trigger', credentials: { posApi: { id: 'cred-sw', name: 'POS' } }, parameters }),
		getNodeParameter: (name: string, fallback?: unknown) => (name in parameters ? parameters[name] : fallback),
		getNodeWebhookUrl: () => 'https://n8n.example.com/webhook/abc/pos',
		getMode: () => 'trigger',
		getWorkflow: () => ({ id: workflowId, name: 'W', active: true }),
		getWorkflowStaticData: () => staticData,
		logger: { warn: (m: string) => logs.push(`warn ${m}`), error: (m: string) => logs.push(`error ${m}`), info: () => undefined, debug: () => undefined },
	} as never;
}

const reconcile = (extra: IDataObject = {}): INodeParameters => ({ resource: 'event', operation: 'reconcile', ...extra }) as INodeParameters;
const getMany = (extra: IDataObject = {}): INodeParameters => ({ resource: 'event', operation: 'getMany', returnAll: true, ...extra }) as INodeParameters;

describe('5. listings are bounded: endless cursors stop with a NodeApiError, ledger and checkpoint untouched', () => {
	/** An API that always answers one new event and a new cursor. */
	function endlessPaging(repeatAfter?: number) {
		let served = 0;
		server.intercept = (req) => {
			if (req.path !== '/events') return undefined;
			served++;
			const cursor = repeatAfter !== undefined && served > repeatAfter ? 'c_again' : `c_${served}`;
			return {
				status: 200,
				body: { events: [{ id: `msg_endless_${served}`, type: 'order.paid', occurred_at: new Date(Date.now() - HOUR).toISOString(), payload: { type: 'order.paid' } }], next_cursor: cursor },
			};
		};
		return () => served;
	}

	test('Reconcile: new cursors for ever -> stops after Max Pages, recovers nothing, keeps the checkpoint', async () => {
		const workflowId = newWorkflowId();
		const staticData: IDataObject = {};
		const ledger = sharedLedger(workflowId, staticData);
		ledger.setReconcile({ checkpoint: new Date(Date.now() - 2 * HOUR).toISOString() });
		const before = JSON.stringify(ledger.toJSON());
		const served = endlessPaging();
		const error = await expectRejection(runPos({ server, provider: 'standardWebhooks', parameters: reconcile({ apiOptions: { maxPages: 25 } }), workflowId, staticData }));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toMatch(/after 25 pages \(Max Pages\)/);
		expect(String(error.description)).toMatch(/checkpoint did not move/);
		expect(served()).toBe(25);
		expect(JSON.stringify(ledger.toJSON())).toBe(before);
		expect(ledger.has('msg_endless_1', Date.now())).toBe(false);
		expect(staticData).toEqual({});
	});

	test('the bound is stated in the editor, for both listing operations', async () => {
		const { Pos } = await import('../../../nodes/Pos/Pos.node');
		const apiOptions = new Pos().description.properties.filter((p) => p.name === 'apiOptions');
		const maxPages = apiOptions.flatMap((p) => (p.options ?? []) as Array<{ name: string; default?: unknown; description?: string }>).filter((o) => o.name === 'maxPages');
		expect(maxPages.map((o) => o.default)).toEqual([2000, 2000]); // Reconcile and Get Many (Order > Get does not page)
		expect(maxPages[0].description).toMatch(/stops with an error/);
	});

	test('Get Many: new cursors for ever -> NodeApiError after Max Pages', async () => {
		const served = endlessPaging();
		const error = await expectRejection(runPos({ server, provider: 'standardWebhooks', parameters: getMany({ apiOptions: { maxPages: 7 } }), workflowId: newWorkflowId() }));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(served()).toBe(7);
	});

	test('a cursor seen before stops the listing at once (Reconcile and Get Many)', async () => {
		let served = endlessPaging(3);
		const error = await expectRejection(runPos({ server, provider: 'standardWebhooks', parameters: reconcile(), workflowId: newWorkflowId() }));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toMatch(/same page cursor twice/);
		expect(served()).toBe(5); // c_1, c_2, c_3, c_again, c_again
		server.requests.length = 0;
		served = endlessPaging(3);
		const error2 = await expectRejection(runPos({ server, provider: 'standardWebhooks', parameters: getMany(), workflowId: newWorkflowId() }));
		expect(error2.message).toMatch(/same page cursor twice/);
		expect(served()).toBe(5);
	});
});

describe('6. a checkpoint that cannot be true is not trusted', () => {
	test.each([
		['in the future', () => new Date(Date.now() + 30 * DAY).toISOString(), /is in the future/],
		['not a date', () => 'yesterday-ish', /is not a date/],
	])('%s: warns, reconciles the normal look-back, and saves a true checkpoint', async (_name, checkpoint, warning) => {
		const now = Date.now();
		const events = makeEvents('generic', 3, now - 5 * HOUR, now - HOUR);
		server.generic.push(...events);
		const workflowId = newWorkflowId();
		const staticData: IDataObject = {};
		const ledger = sharedLedger(workflowId, staticData);
		ledger.setReconcile({ checkpoint: checkpoint() });
		const { items, harness } = await runPos({ server, provider: 'standardWebhooks', parameters: reconcile(), workflowId, staticData });
		expect(items.map((i) => i.id)).toEqual(events.map((e) => e.id));
		const since = Date.parse(server.calls('/events')[0].query.get('since')!);
		expect(since).toBeGreaterThanOrEqual(now - 24 * HOUR - 1000);
		expect(since).toBeLessThan(now - 24 * HOUR + 5000);
		expect(harness.logs.filter((l) => l.level === 'warn' && warning.test(l.message))).toHaveLength(1);
		const saved = Date.parse(ledger.getReconcile().checkpoint!);
		expect(saved).toBeLessThanOrEqual(Date.now() - 300_000);
		expect(saved).toBeGreaterThan(now - 300_000 - 5000);
	});
});

describe('7. reading the ledger never shrinks what the trigger keeps', () => {
	test('trigger at 168 h; Get Stats, Forget and Reconcile run 100 h later; the POS retry is still a duplicate', async () => {
		const workflowId = newWorkflowId();
		const staticData: IDataObject = {};
		const triggerParameters = { dedupeWindowHours: 168 };
		const t0 = Date.now();
		const event: FixtureEvent = { id: 'msg_kept_168h', type: 'order.paid', createdMs: t0 };
		expect((await deliverToTrigger(event, triggerParameters, workflowId, staticData, t0)).outcome).toBe('accepted');

		const later = t0 + 100 * HOUR;
		jest.spyOn(Date, 'now').mockReturnValue(later);
		const stats = await runPos({ server, provider: 'standardWebhooks', parameters: { resource: 'ledger', operation: 'getStats' }, workflowId, staticData });
		expect(stats.items[0]).toMatchObject({ entries: 1, windowHours: 168, triggerSettings: { windowHours: 168 } });
		await runPos({ server, provider: 'standardWebhooks', parameters: { resource: 'ledger', operation: 'forget', eventId: 'msg_other' }, workflowId, staticData });
		await runPos({ server, provider: 'standardWebhooks', parameters: reconcile(), workflowId, staticData });

		// A restart in between: the saved form must carry the trigger's window too.
		resetLedgersForTest();
		const afterRestart = await runPos({ server, provider: 'standardWebhooks', parameters: { resource: 'ledger', operation: 'getStats' }, workflowId, staticData: JSON.parse(JSON.stringify(staticData)) as IDataObject });
		expect(afterRestart.items[0]).toMatchObject({ entries: 1, windowHours: 168 });

		expect((await deliverToTrigger(event, triggerParameters, workflowId, JSON.parse(JSON.stringify(staticData)) as IDataObject, later)).outcome).toBe('duplicate');
	});

	test('a saved ledger from before the trigger recorded its settings is not pruned by a reader', async () => {
		const workflowId = newWorkflowId();
		const now = Date.now();
		const staticData: IDataObject = {};
		const { Ledger } = await import('../../../nodes/shared/ledger/Ledger');
		const old = new Ledger(168 * HOUR);
		old.claim('msg_old_format', now - 100 * HOUR);
		staticData[STATIC_DATA_KEY] = JSON.parse(JSON.stringify(old)) as IDataObject;
		const stats = await runPos({ server, provider: 'standardWebhooks', parameters: { resource: 'ledger', operation: 'getStats' }, workflowId, staticData });
		expect(stats.items[0]).toMatchObject({ entries: 1, triggerSettings: null });
	});
});

describe('8. a damaged saved ledger in the POS node', () => {
	test('partly readable: used, the damage logged once and shown by Get Stats', async () => {
		const workflowId = newWorkflowId();
		const ledger = sharedLedger(workflowId);
		ledger.claim('msg_a', Date.now());
		const saved = JSON.parse(JSON.stringify(ledger.toJSON())) as { buckets: Record<string, string> };
		for (const k of Object.keys(saved.buckets)) saved.buckets[k] += 'abc';
		resetLedgersForTest();
		const staticData: IDataObject = { [STATIC_DATA_KEY]: saved as unknown as IDataObject };
		const run = await runPos({ server, provider: 'standardWebhooks', parameters: { resource: 'ledger', operation: 'getStats' }, workflowId, staticData });
		expect(run.items[0]).toMatchObject({ entries: 1, damage: [expect.stringMatching(/cut short/)] });
		expect(run.harness.logs.filter((l) => l.level === 'warn' && /could not be read/.test(l.message))).toHaveLength(1);
	});

	test('activation logs the damage of the saved ledger it reads, once', async () => {
		const workflowId = newWorkflowId();
		const ledger = sharedLedger(workflowId);
		ledger.claim('msg_a', Date.now());
		const saved = JSON.parse(JSON.stringify(ledger.toJSON())) as { buckets: Record<string, string> };
		for (const k of Object.keys(saved.buckets)) saved.buckets[k] = JSON.stringify(saved.buckets[k]);
		resetLedgersForTest();
		const logs: string[] = [];
		const staticData: IDataObject = { [STATIC_DATA_KEY]: saved as unknown as IDataObject };
		const hook = activationContext(workflowId, staticData, {}, logs);
		await trigger.webhookMethods.default.create.call(hook);
		await trigger.webhookMethods.default.create.call(hook);
		expect(logs).toEqual([expect.stringMatching(/^warn POS Webhook Trigger: Part of the saved ledger .* saved as JSON text/)]);
		expect(sharedLedger(workflowId).has('msg_a', Date.now())).toBe(true);
	});

	test('unreadable: Reconcile and Forget stop with a NodeOperationError, nothing is written over', async () => {
		const workflowId = newWorkflowId();
		const staticData: IDataObject = { [STATIC_DATA_KEY]: { v: 3, buckets: {}, counts: {}, future: true } };
		const before = JSON.stringify(staticData);
		for (const parameters of [reconcile(), { resource: 'ledger', operation: 'forget', eventId: 'x' } as INodeParameters]) {
			const error = await expectRejection(runPos({ server, provider: 'standardWebhooks', parameters, workflowId, staticData }));
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(String(error.description)).toMatch(/version 3/);
		}
		expect(server.requests).toHaveLength(0);
		expect(JSON.stringify(staticData)).toBe(before);
	});
});

describe('9. Order > Get: an ID is exactly one path segment', () => {
	test.each(['.', '..', '../admin', 'a/b', 'a\\b', 'o?x=1', 'o#frag', 'line\nbreak'])('%j is refused before any request', async (orderId) => {
		for (const provider of ['stripe', 'square', 'standardWebhooks']) {
			const error = await expectRejection(runPos({ server, provider, parameters: { resource: 'order', operation: 'get', orderId }, workflowId: newWorkflowId() }));
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(error.message).toMatch(/is not an order ID/);
		}
		expect(server.requests).toHaveLength(0);
	});

	test('encoded dots and other characters stay inside the one segment', async () => {
		server.orders.set('%2e%2e', { id: 'enc' });
		server.orders.set('...', { id: 'dots' });
		const { items } = await runPos({
			server,
			provider: 'standardWebhooks',
			parameters: { resource: 'order', operation: 'get', orderId: '' },
			itemParameters: [{ orderId: '%2e%2e' }, { orderId: '...' }],
			inputItems: [{ json: {} }, { json: {} }],
			workflowId: newWorkflowId(),
		});
		expect(items).toEqual([{ id: 'enc' }, { id: 'dots' }]);
		expect(server.requests.map((r) => r.path)).toEqual(['/orders/%252e%252e', '/orders/...']);
	});
});

describe('12/14. the trigger and Reconcile agree, set in one place (the example workflow)', () => {
	const example = JSON.parse(readFileSync(join(__dirname, '../../../examples/order-loyalty-sms-reconciled.json'), 'utf8')) as {
		nodes: Array<{ type: string; parameters: IDataObject }>;
	};
	const triggerParameters = example.nodes.find((n) => n.type.endsWith('.posWebhookTrigger'))!.parameters;
	const reconcileParameters = example.nodes.find((n) => n.type.endsWith('.pos') && n.parameters.operation === 'reconcile')!.parameters;

	test('a recovered event has the same shape, with the same fields removed, as the trigger emits for it', async () => {
		expect((triggerParameters.options as IDataObject).removeFields).toBe('data.customer.email');
		const now = Date.now();
		const customer = { email: 'ana@example.com', name: 'Ana' };
		const delivered: FixtureEvent = { id: 'msg_delivered', type: 'order.paid', createdMs: now - 3 * HOUR, extra: { customer } };
		const missed: FixtureEvent = { id: 'msg_missed', type: 'order.paid', createdMs: now - 2 * HOUR, extra: { customer } };
		const otherType: FixtureEvent = { id: 'msg_menu', type: 'menu.updated', createdMs: now - 2 * HOUR, extra: { customer } };
		server.generic.push(delivered, missed, otherType);

		const workflowId = newWorkflowId();
		const staticData: IDataObject = {};
		expect((await deliverToTrigger(delivered, triggerParameters, workflowId, staticData)).outcome).toBe('accepted');
		// The example sets Event Types and Fields to Remove in the trigger only: Reconcile follows them.
		expect(reconcileParameters.events).toBeUndefined();
		const { items } = await runPos({ server, provider: 'standardWebhooks', parameters: reconcileParameters as INodeParameters, workflowId, staticData });
		expect(items.map((i) => i.id)).toEqual(['msg_missed']);

		// What the trigger emits for the same event, in another workflow with the same trigger.
		const viaTrigger = await deliverToTrigger(missed, triggerParameters, newWorkflowId(), {});
		const strip = (item: IDataObject) => {
			const { receivedAt: _r, recovered: _x, ...rest } = item;
			return rest;
		};
		expect(strip(items[0])).toEqual(strip(viaTrigger.item!));
		expect((items[0].data as { data: IDataObject }).data.customer).toEqual({ name: 'Ana' });
	});

	test('Get Many strips the same fields', async () => {
		const now = Date.now();
		server.generic.push({ id: 'msg_listed', type: 'order.paid', createdMs: now - HOUR, extra: { customer: { email: 'b@example.com', name: 'B' } } });
		const workflowId = newWorkflowId();
		const staticData: IDataObject = {};
		expect((await deliverToTrigger({ id: 'msg_first', type: 'order.paid', createdMs: now }, triggerParameters, workflowId, staticData)).outcome).toBe('accepted');
		const { items } = await runPos({ server, provider: 'standardWebhooks', parameters: getMany(), workflowId, staticData });
		expect(items.map((i) => (i.data as { data: IDataObject }).data.customer)).toEqual([{ name: 'B' }]);
	});

	test('activating the trigger records its settings: Reconcile follows them before the first delivery', async () => {
		const workflowId = newWorkflowId();
		const staticData: IDataObject = {};
		const logs: string[] = [];
		expect(await trigger.webhookMethods.default.create.call(activationContext(workflowId, staticData, triggerParameters, logs))).toBe(true);
		expect(logs).toEqual([]);
		// n8n saves static data after activation: a restart finds the settings there.
		resetLedgersForTest();
		const saved = JSON.parse(JSON.stringify(staticData)) as IDataObject;
		const now = Date.now();
		server.generic.push(
			{ id: 'msg_paid', type: 'order.paid', createdMs: now - 2 * HOUR, extra: { customer: { email: 'c@example.com', name: 'C' } } },
			{ id: 'msg_menu', type: 'menu.updated', createdMs: now - 2 * HOUR },
		);
		const { items, harness } = await runPos({ server, provider: 'standardWebhooks', parameters: reconcileParameters as INodeParameters, workflowId, staticData: saved });
		expect(items.map((i) => i.id)).toEqual(['msg_paid']);
		expect((items[0].data as { data: IDataObject }).data.customer).toEqual({ name: 'C' });
		expect(harness.logs.filter((l) => /has not recorded its settings/.test(l.message))).toEqual([]);
	});

	test('before the trigger has recorded anything, Reconcile says so in the log', async () => {
		const { harness } = await runPos({ server, provider: 'standardWebhooks', parameters: reconcile(), workflowId: newWorkflowId() });
		expect(harness.logs.filter((l) => l.level === 'warn' && /has not recorded its settings yet/.test(l.message))).toHaveLength(1);
	});
});
