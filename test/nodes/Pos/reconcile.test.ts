import { createHmac } from 'node:crypto';

import { NodeApiError, NodeOperationError, type IDataObject } from 'n8n-workflow';
import { Webhook } from 'standardwebhooks';

import { processDelivery, type DeliverySettings } from '../../../nodes/PosWebhookTrigger/processDelivery';
import { Ledger } from '../../../nodes/shared/ledger/Ledger';
import { PosWebhookTrigger } from '../../../nodes/PosWebhookTrigger/PosWebhookTrigger.node';
import { resetLedgersForTest, STATIC_DATA_KEY, storeFor } from '../../../nodes/shared/ledger/registry';
import { createExecuteContext, ProcessedDataTable } from '../../helpers/executeContext';
import { fakeWebhookContext, savedCopy } from '../../helpers/webhookContext';
import type { PosCredentialData } from '../../../nodes/shared/providers/types';
import { buildSigningConfig } from '../../../nodes/shared/signingConfig';
import { genericRecord, makeEvents, squareEvent, standardPayload, stripeEvent, type FixtureEvent } from './fixtures';
import { FixtureServer } from './fixtureServer';
import { credentialFor, DAY, expectRejection, fastRetries, HOUR, newWorkflowId, posHarness, runPos, sharedLedger } from './setup';

const reconcile = (extra: IDataObject = {}) => ({ resource: 'event', operation: 'reconcile', ...extra });

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

/** The trigger's own processing of the webhook the POS would have sent for this event. */
const NOTIFICATION_URL = 'https://n8n.example.com/webhook/abc/pos';
function deliverWebhook(provider: string, event: FixtureEvent, ledger: Ledger | undefined, credential: PosCredentialData) {
	const now = Date.now();
	let body: string;
	const headers: Record<string, string> = { 'content-type': 'application/json' };
	if (provider === 'stripe') {
		body = JSON.stringify(stripeEvent(event));
		const t = Math.floor(now / 1000);
		const sig = createHmac('sha256', credential.signingSecret!).update(`${t}.${body}`).digest('hex');
		headers['stripe-signature'] = `t=${t},v1=${sig}`;
	} else if (provider === 'square') {
		body = JSON.stringify(squareEvent(event));
		headers['x-square-hmacsha256-signature'] = createHmac('sha256', credential.signingSecret!)
			.update(NOTIFICATION_URL + body)
			.digest('base64');
	} else {
		body = JSON.stringify(standardPayload(event));
		const wh = new Webhook(credential.signingSecret!);
		const date = new Date(now);
		headers['webhook-id'] = event.id;
		headers['webhook-timestamp'] = String(Math.floor(now / 1000));
		headers['webhook-signature'] = wh.sign(event.id, date, body);
	}
	const settings: DeliverySettings = {
		events: '*',
		toleranceSeconds: 300,
		dedupe: true,
		dedupeWindowHours: 72,
		includeHeaders: false,
		removeFields: [],
	};
	return processDelivery(
		{ headers, rawBody: Buffer.from(body), notificationUrl: NOTIFICATION_URL },
		buildSigningConfig(credential, now),
		settings,
		ledger,
		now,
	);
}

function withoutTimes(item: IDataObject): IDataObject {
	const { receivedAt: _r, recovered: _x, ...rest } = item;
	return rest;
}

describe('Event > Reconcile: pagination and output', () => {
	test('Stripe: pulls every page (newest first, starting_after), emits each event once, oldest first', async () => {
		const now = Date.now();
		server.stripe.push(...makeEvents('stripe', 250, now - 20 * HOUR, now - 10 * 60_000));
		const workflowId = newWorkflowId();
		const { items } = await runPos({ server, provider: 'stripe', parameters: reconcile(), workflowId });

		const calls = server.calls('/v1/events');
		expect(calls).toHaveLength(3);
		expect(calls[0].query.get('limit')).toBe('100');
		expect(calls[0].query.get('starting_after')).toBeNull();
		expect(Number(calls[0].query.get('created[gte]'))).toBeCloseTo((now - 24 * HOUR) / 1000, -1);
		expect(Number(calls[0].query.get('created[lte]'))).toBeCloseTo((now - 300_000) / 1000, -1);
		// The next page starts after the last (oldest) event of the previous one.
		expect(calls[1].query.get('starting_after')).toBe(server.stripe[150].id);
		expect(calls[2].query.get('starting_after')).toBe(server.stripe[50].id);
		expect(calls[0].headers.authorization).toBe(`Bearer ${server.token}`);

		expect(items).toHaveLength(250);
		expect(new Set(items.map((i) => i.id)).size).toBe(250);
		expect(items.map((i) => i.id)).toEqual(server.stripe.map((e) => e.id)); // oldest first
		expect(items[0]).toEqual({
			id: server.stripe[0].id,
			type: 'payment_intent.succeeded',
			occurredAt: new Date(Math.floor(server.stripe[0].createdMs / 1000) * 1000).toISOString(),
			provider: 'stripe',
			data: stripeEvent(server.stripe[0]),
			receivedAt: expect.any(String),
			recovered: true,
		});
	});

	test('Square: SearchEvents with a created_at range, sorted ASC, follows the cursor to the end', async () => {
		const now = Date.now();
		server.square.push(...makeEvents('square', 250, now - 20 * HOUR, now - 10 * 60_000));
		const { items } = await runPos({ server, provider: 'square', parameters: reconcile(), workflowId: newWorkflowId() });

		const calls = server.calls('/v2/events');
		expect(calls).toHaveLength(3);
		expect(calls.every((c) => c.method === 'POST')).toBe(true);
		expect(calls[0].headers['square-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
		const first = calls[0].body as IDataObject;
		expect(first).toEqual({
			limit: 100,
			query: {
				filter: { created_at: { start_at: expect.any(String), end_at: expect.any(String) } },
				sort: { field: 'DEFAULT', order: 'ASC' },
			},
		});
		expect((calls[1].body as IDataObject).cursor).toEqual(expect.any(String));
		expect(items).toHaveLength(250);
		expect(items.map((i) => i.id)).toEqual(server.square.map((e) => e.id));
		expect(items[0]).toMatchObject({ provider: 'square', type: server.square[0].type, locationId: 'L1VFZYJJ3GH1N', recovered: true });
	});

	test('generic (Standard Webhooks): since/until/cursor/limit, next_cursor until null', async () => {
		const now = Date.now();
		server.generic.push(...makeEvents('generic', 2500, now - 20 * HOUR, now - 10 * 60_000));
		const { items } = await runPos({ server, provider: 'standardWebhooks', parameters: reconcile(), workflowId: newWorkflowId() });

		const calls = server.calls('/events');
		expect(calls).toHaveLength(25);
		expect(calls[0].query.get('limit')).toBe('100');
		expect(calls[0].query.get('cursor')).toBeNull();
		expect(calls[1].query.get('cursor')).toBe('c_100');
		expect(Date.parse(calls[0].query.get('since')!)).toBeCloseTo(now - 24 * HOUR, -4);
		expect(Date.parse(calls[0].query.get('until')!)).toBeCloseTo(now - 300_000, -4);
		expect(items).toHaveLength(2500);
		expect(new Set(items.map((i) => i.id)).size).toBe(2500);
		expect(items[0]).toEqual({
			id: server.generic[0].id,
			type: server.generic[0].type,
			occurredAt: new Date(server.generic[0].createdMs).toISOString(),
			provider: 'standardWebhooks',
			locationId: 'store-1',
			data: standardPayload(server.generic[0]),
			receivedAt: expect.any(String),
			recovered: true,
		});
	});

	test('generic (Custom): configurable path and field names, id read where the credential says', async () => {
		const now = Date.now();
		server.generic.push(...makeEvents('generic', 30, now - 5 * HOUR, now - HOUR));
		server.genericPath = '/api/v2/feed';
		server.genericRecordOf = (e) => ({
			meta: { uid: e.id },
			kind: e.type,
			at: Math.floor(e.createdMs / 1000),
			body: { event_id: e.id, kind: e.type, order: { id: `o-${e.id}` } },
		});
		try {
			const credentials = credentialFor(server, 'custom', {
				customEventIdLocation: 'body:event_id',
				customEventTypeLocation: 'body:kind',
			});
			const { items } = await runPos({
				server,
				provider: 'custom',
				credentials,
				workflowId: newWorkflowId(),
				parameters: reconcile({
					apiOptions: { eventsPath: '/api/v2/feed', idField: 'meta.uid', typeField: 'kind', timeField: 'at', payloadField: 'body', pageSize: 7 },
				}),
			});
			const calls = server.calls('/api/v2/feed');
			expect(calls).toHaveLength(5);
			expect(calls[0].query.get('limit')).toBe('7');
			expect(items).toHaveLength(30);
			expect(items[0]).toMatchObject({ id: server.generic[0].id, type: server.generic[0].type, provider: 'custom' });
			expect((items[0].data as IDataObject).order).toEqual({ id: `o-${server.generic[0].id}` });
			// custom reads no time from the body here: the listing's own time fills in
			expect(items[0].occurredAt).toBe(new Date(Math.floor(server.generic[0].createdMs / 1000) * 1000).toISOString());
		} finally {
			server.genericPath = '/events';
			server.genericRecordOf = genericRecord;
		}
	});

	test.each([
		['stripe', 'stripe', '/v1/events'],
		['standardWebhooks', 'generic', '/events'],
	] as const)('%s: Max Events per Run emits the oldest first; the next runs continue, every event exactly once (ties at the cut included)', async (provider, style, path) => {
		const now = Date.now();
		// 650 events in 200 seconds: several share a second, and the cuts fall among them; the pull
		// trims what it keeps several times per run.
		const events = makeEvents(style, 650, now - HOUR - 200_000, now - HOUR);
		(style === 'stripe' ? server.stripe : server.generic).push(...events);
		const workflowId = newWorkflowId();
		const staticData: IDataObject = {};
		const runs: IDataObject[][] = [];
		for (let run = 0; run < 12; run++) {
			server.requests.length = 0;
			const { items, harness } = await runPos({ server, provider, parameters: reconcile({ maxEventsPerRun: 100 }), workflowId, staticData });
			runs.push(items);
			// Said in n8n's log while events are left for the next run, and only then.
			const said = harness.logs.some((l) => l.level === 'info' && /more missed events than Max Events per Run \(100\); the oldest 100 are emitted, the next run continues from /.test(l.message));
			expect(said).toBe(run < 6);
			expect(server.calls(path).length).toBeGreaterThan(0); // every run pulls, from the checkpoint
			if (items.length === 0) break;
		}
		expect(runs.map((r) => r.length)).toEqual([100, 100, 100, 100, 100, 100, 50, 0]);
		// Exactly the POS's events, each once, oldest first across runs (Stripe's times are whole
		// seconds: within one second, any order).
		const emitted = runs.flat();
		expect(emitted.map((i) => i.id).sort()).toEqual(events.map((e) => e.id).sort());
		const times = emitted.map((i) => Date.parse(String(i.occurredAt)));
		expect(times).toEqual([...times].sort((a, b) => a - b));
		expect(sharedLedger(workflowId, staticData).getReconcile().lastRecovered).toBe(0);
	});

	test('Max Events per Run must be at least 1', async () => {
		const error = await expectRejection(runPos({ server, provider: 'stripe', parameters: reconcile({ maxEventsPerRun: 0 }), workflowId: newWorkflowId() }));
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toMatch(/Max Events per Run must be a whole number of at least 1/);
	});

	test('an empty window returns no items (not an error) and still moves the checkpoint', async () => {
		const workflowId = newWorkflowId();
		const before = Date.now();
		const { items, output } = await runPos({ server, provider: 'stripe', parameters: reconcile(), workflowId });
		expect(items).toEqual([]);
		expect(output).toEqual([]);
		expect(server.calls('/v1/events')).toHaveLength(1);
		const state = sharedLedger(workflowId).getReconcile();
		expect(Date.parse(state.checkpoint!)).toBeGreaterThanOrEqual(before - 300_000);
		expect(state.lastRecovered).toBe(0);
	});

	test('Event Types filter: only matching events are emitted (and claimed)', async () => {
		const now = Date.now();
		server.stripe.push(...makeEvents('stripe', 30, now - 5 * HOUR, now - HOUR));
		const workflowId = newWorkflowId();
		const { items } = await runPos({ server, provider: 'stripe', parameters: reconcile({ events: 'payment_intent.*' }), workflowId });
		expect(items).toHaveLength(10);
		expect(items.every((i) => i.type === 'payment_intent.succeeded')).toBe(true);
		const ledger = sharedLedger(workflowId);
		expect(ledger.has(server.stripe[1].id, Date.now())).toBe(false); // an order.created event: ignored, not claimed
	});

	test('item shape is exactly the trigger output for the same event (Stripe, Square, Standard Webhooks)', async () => {
		for (const provider of ['stripe', 'square', 'standardWebhooks'] as const) {
			const style = provider === 'standardWebhooks' ? 'generic' : provider;
			const now = Date.now();
			const [event] = makeEvents(style, 1, now - 2 * HOUR, now - HOUR);
			event.locationId = 'store-42';
			server[style].push(event);
			const workflowId = newWorkflowId();
			const { items } = await runPos({ server, provider, parameters: reconcile(), workflowId });
			expect(items).toHaveLength(1);

			const credential = credentialFor(server, provider) as unknown as PosCredentialData;
			const fromWebhook = deliverWebhook(provider, event, new Ledger(72 * HOUR), credential);
			expect(fromWebhook.kind).toBe('accepted');
			const webhookItem = (fromWebhook as { item: IDataObject }).item;
			expect(Object.keys(items[0]).sort()).toEqual([...Object.keys(webhookItem), 'recovered'].sort());
			expect(withoutTimes(items[0])).toEqual(withoutTimes(webhookItem));
			expect(items[0].recovered).toBe(true);
			expect(webhookItem.recovered).toBeUndefined();
		}
	});
});

describe('Event > Reconcile: the shared ledger', () => {
	test('events a webhook delivered before the reconciliation are not emitted again', async () => {
		const now = Date.now();
		const events = makeEvents('stripe', 20, now - 5 * HOUR, now - HOUR);
		server.stripe.push(...events);
		const workflowId = newWorkflowId();
		const staticData: IDataObject = {};
		const ledger = sharedLedger(workflowId, staticData);
		const credential = credentialFor(server, 'stripe') as unknown as PosCredentialData;
		for (const e of events.slice(0, 12)) expect(deliverWebhook('stripe', e, ledger, credential).kind).toBe('accepted');

		const { items } = await runPos({ server, provider: 'stripe', parameters: reconcile(), workflowId, staticData });
		expect(items.map((i) => i.id)).toEqual(events.slice(12).map((e) => e.id));
		expect(ledger.stats(Date.now()).counts).toMatchObject({ accepted: 12, recovered: 8 });
	});

	test('events reconciled first: the later webhook (retry) is answered as a duplicate', async () => {
		const now = Date.now();
		const events = makeEvents('square', 5, now - 5 * HOUR, now - HOUR);
		server.square.push(...events);
		const workflowId = newWorkflowId();
		const { items } = await runPos({ server, provider: 'square', parameters: reconcile(), workflowId });
		expect(items).toHaveLength(5);

		const ledger = sharedLedger(workflowId);
		expect(ledger.claim(events[0].id, Date.now())).toBe(false);
		const credential = credentialFor(server, 'square') as unknown as PosCredentialData;
		const late = deliverWebhook('square', events[1], ledger, credential);
		expect(late).toEqual({ kind: 'duplicate', id: events[1].id });
	});

	test('a webhook that claims an id while the pull is running wins; the id is not emitted', async () => {
		const now = Date.now();
		const events = makeEvents('generic', 300, now - 5 * HOUR, now - HOUR);
		server.generic.push(...events);
		const workflowId = newWorkflowId();
		const ledger = sharedLedger(workflowId);
		// While page 3 is being served, the webhook for an event of page 1 arrives.
		server.intercept = (req) => {
			if (req.query.get('cursor') === 'c_200') ledger.claim(events[5].id, Date.now());
			return undefined;
		};
		const { items } = await runPos({ server, provider: 'standardWebhooks', parameters: reconcile(), workflowId });
		expect(items).toHaveLength(299);
		expect(items.find((i) => i.id === events[5].id)).toBeUndefined();
	});

	test('the checkpoint moves only after a complete pull; the next run starts from it', async () => {
		const now = Date.now();
		const events = makeEvents('stripe', 250, now - 10 * HOUR, now - HOUR);
		server.stripe.push(...events);
		const workflowId = newWorkflowId();
		const staticData: IDataObject = {};

		// Run 1: page 3 keeps failing.
		server.intercept = (req) => (req.query.get('starting_after') === events[50].id ? { status: 500, body: { error: { message: 'boom' } } } : undefined);
		const error = await expectRejection(runPos({ server, provider: 'stripe', parameters: reconcile({ apiOptions: { maxRetries: 2 } }), workflowId, staticData }));
		expect(error).toBeInstanceOf(NodeApiError);
		const ledger = sharedLedger(workflowId, staticData);
		expect(ledger.getReconcile().checkpoint).toBeUndefined();
		expect(events.some((e) => ledger.has(e.id, Date.now()))).toBe(false); // pages 1 and 2 were not claimed
		expect(staticData[STATIC_DATA_KEY]).toBeUndefined();

		// Run 2: the API is back; all 250 come out and the checkpoint is the window end.
		server.intercept = undefined;
		server.requests.length = 0;
		const run2Start = Date.now();
		const { items } = await runPos({ server, provider: 'stripe', parameters: reconcile(), workflowId, staticData });
		expect(items).toHaveLength(250);
		const checkpoint = Date.parse(ledger.getReconcile().checkpoint!);
		expect(checkpoint).toBeGreaterThanOrEqual(run2Start - 300_000);
		expect(checkpoint).toBeLessThanOrEqual(Date.now() - 300_000);
		expect(ledger.getReconcile().lastRecovered).toBe(250);

		// Run 3: starts at the checkpoint, finds nothing new.
		server.requests.length = 0;
		const third = await runPos({ server, provider: 'stripe', parameters: reconcile(), workflowId, staticData });
		expect(third.items).toEqual([]);
		expect(Number(server.calls('/v1/events')[0].query.get('created[gte]'))).toBe(Math.floor(checkpoint / 1000));
	});

	test('the ledger is saved in workflow static data and survives a restart', async () => {
		const now = Date.now();
		const events = makeEvents('stripe', 10, now - 5 * HOUR, now - HOUR);
		server.stripe.push(...events);
		const workflowId = newWorkflowId();
		const staticData: IDataObject = {};
		await runPos({ server, provider: 'stripe', parameters: reconcile(), workflowId, staticData });
		const saved = JSON.parse(JSON.stringify(staticData)) as IDataObject; // what n8n writes to the database
		expect((saved[STATIC_DATA_KEY] as IDataObject).reconcile).toMatchObject({ lastRecovered: 10, checkpoint: expect.any(String) });

		resetLedgersForTest(); // n8n restarts
		const restored = sharedLedger(workflowId, saved);
		const credential = credentialFor(server, 'stripe') as unknown as PosCredentialData;
		expect(deliverWebhook('stripe', events[3], restored, credential).kind).toBe('duplicate');
		const again = await runPos({ server, provider: 'stripe', parameters: reconcile(), workflowId, staticData: saved });
		expect(again.items).toEqual([]);
	});

	test('manual runs use the test ledger and save nothing', async () => {
		const now = Date.now();
		server.stripe.push(...makeEvents('stripe', 4, now - 5 * HOUR, now - HOUR));
		const workflowId = newWorkflowId();
		const staticData: IDataObject = {};
		const { items } = await runPos({ server, provider: 'stripe', parameters: reconcile(), workflowId, staticData, mode: 'manual' });
		expect(items).toHaveLength(4);
		expect(staticData).toEqual({});
		expect(sharedLedger(workflowId).has(server.stripe[0].id, Date.now())).toBe(false);
	});
});

describe('Event > Reconcile: window', () => {
	test('Look Back is capped at the provider history (Stripe 30 days) and at the dedupe window', async () => {
		const now = Date.now();
		// The window is the trigger's (recorded in the ledger), not a parameter of Reconcile.
		const longWindow = newWorkflowId();
		sharedLedger(longWindow, {}, 720);
		const run1 = await runPos({
			server,
			provider: 'stripe',
			parameters: reconcile({ lookBackHours: 24 * 60 }),
			workflowId: longWindow,
		});
		const gte = Number(server.calls('/v1/events')[0].query.get('created[gte]'));
		expect(gte * 1000).toBeGreaterThanOrEqual(now - 30 * DAY - 1000);
		expect(gte * 1000).toBeLessThan(now - 30 * DAY + 5000);
		expect(run1.harness.logs.some((l) => l.level === 'warn' && /cannot be reconciled/.test(l.message))).toBe(true);

		server.requests.length = 0;
		await runPos({ server, provider: 'square', parameters: reconcile({ lookBackHours: 24 * 60 }), workflowId: newWorkflowId() });
		const body = server.calls('/v2/events')[0].body as { query: { filter: { created_at: { start_at: string } } } };
		const start = Date.parse(body.query.filter.created_at.start_at);
		expect(start).toBeGreaterThanOrEqual(now - 72 * HOUR - 1000); // dedupe window (72 h) < Square's 28 days
		expect(start).toBeLessThan(now - 72 * HOUR + 5000);
	});

	test('Settle Delay sets the window end', async () => {
		const now = Date.now();
		await runPos({ server, provider: 'standardWebhooks', parameters: reconcile({ settleDelaySeconds: 3600 }), workflowId: newWorkflowId() });
		const until = Date.parse(server.calls('/events')[0].query.get('until')!);
		expect(until).toBeGreaterThanOrEqual(now - HOUR - 10);
		expect(until).toBeLessThan(now - HOUR + 5000);
	});

	test('runs once per execution whatever the number of input items', async () => {
		const now = Date.now();
		server.stripe.push(...makeEvents('stripe', 3, now - 5 * HOUR, now - HOUR));
		const { items } = await runPos({
			server,
			provider: 'stripe',
			parameters: reconcile(),
			workflowId: newWorkflowId(),
			inputItems: [{ json: {} }, { json: {} }, { json: {} }],
		});
		expect(items).toHaveLength(3);
		expect(server.calls('/v1/events')).toHaveLength(1);
	});
});

describe('Event > Reconcile: failures', () => {
	test('429 then success: Retry-After (seconds) is honoured, nothing lost', async () => {
		const now = Date.now();
		server.stripe.push(...makeEvents('stripe', 150, now - 5 * HOUR, now - HOUR));
		const times: number[] = [];
		server.intercept = (_req, index) => {
			times.push(Date.now());
			return index === 1 ? { status: 429, headers: { 'Retry-After': '1' }, body: { error: { message: 'Too many requests', type: 'rate_limit_error' } } } : undefined;
		};
		const { items } = await runPos({ server, provider: 'stripe', parameters: reconcile(), workflowId: newWorkflowId() });
		expect(items).toHaveLength(150);
		expect(server.calls('/v1/events')).toHaveLength(3); // page 1, page 2 (429), page 2 again
		expect(times[2] - times[1]).toBeGreaterThanOrEqual(950);
		expect(server.requests[2].query.get('starting_after')).toBe(server.requests[1].query.get('starting_after'));
	});

	test('a 5xx storm gives up after Max Retries with a clear NodeApiError; no claim, no checkpoint', async () => {
		const now = Date.now();
		const events = makeEvents('square', 150, now - 5 * HOUR, now - HOUR);
		server.square.push(...events);
		const workflowId = newWorkflowId();
		const staticData: IDataObject = {};
		const previous = { checkpoint: new Date(now - 6 * HOUR).toISOString(), lastCompletedAt: new Date(now - 6 * HOUR).toISOString(), lastRecovered: 2 };
		sharedLedger(workflowId, staticData).setReconcile(previous);
		server.intercept = (req) =>
			(req.body as IDataObject | undefined)?.cursor
				? { status: 503, body: { errors: [{ category: 'API_ERROR', code: 'SERVICE_UNAVAILABLE', detail: 'try later' }] } }
				: undefined;
		const error = await expectRejection(runPos({ server, provider: 'square', parameters: reconcile(), workflowId, staticData }));
		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as unknown as NodeApiError).httpCode).toBe('503');
		expect(error.message).toMatch(/kept failing \(HTTP 503\) after 6 attempts/);
		expect(String(error.description)).toMatch(/SERVICE_UNAVAILABLE: try later/);
		expect(String(error.description)).toMatch(/checkpoint did not move/);
		expect((error as unknown as NodeApiError).context.itemIndex).toBe(0);
		expect(server.calls('/v2/events')).toHaveLength(1 + 6);

		const first = server.calls('/v2/events')[0].body as { query: { filter: { created_at: { start_at: string } } } };
		expect(first.query.filter.created_at.start_at).toBe(previous.checkpoint); // the window started at the checkpoint
		const ledger = sharedLedger(workflowId, staticData);
		expect(ledger.getReconcile()).toEqual(previous);
		expect(ledger.stats(Date.now()).entries).toBe(0);
		expect(ledger.stats(Date.now()).counts.recovered).toBeUndefined();
		expect(events.some((e) => ledger.has(e.id, Date.now()))).toBe(false);
		expect(staticData).toEqual({});
	});

	test('network failures are retried, then reported as unreachable', async () => {
		let n = 0;
		server.intercept = () => (n++ < 2 ? { status: 0, destroy: true } : undefined);
		const ok = await runPos({ server, provider: 'stripe', parameters: reconcile(), workflowId: newWorkflowId() });
		expect(ok.items).toEqual([]);
		expect(server.requests).toHaveLength(3);

		server.intercept = () => ({ status: 0, destroy: true });
		const error = await expectRejection(
			runPos({ server, provider: 'stripe', parameters: reconcile({ apiOptions: { maxRetries: 1 } }), workflowId: newWorkflowId() }),
		);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toMatch(/^Could not reach the POS API after 2 attempts: check the API Base URL/);
	});

	test('4xx are not retried and say what to fix', async () => {
		const workflowId = newWorkflowId();
		const badToken = credentialFor(server, 'stripe', { apiToken: 'sk_wrong' });
		const error = await expectRejection(runPos({ server, provider: 'stripe', parameters: reconcile(), workflowId, credentials: badToken }));
		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as unknown as NodeApiError).httpCode).toBe('401');
		expect(error.message).toMatch(/refused the API token \(HTTP 401\): check the API Token in the POS API credential/);
		expect(String(error.description)).toMatch(/Invalid API Key provided/);
		expect(server.requests).toHaveLength(1);

		server.requests.length = 0;
		const wrongBase = credentialFor(server, 'standardWebhooks', { baseUrl: `${server.baseUrl}/nothing-here` });
		const notFound = await expectRejection(
			runPos({ server, provider: 'standardWebhooks', parameters: reconcile(), workflowId, credentials: wrongBase }),
		);
		expect(notFound).toBeInstanceOf(NodeApiError);
		expect(notFound.message).toMatch(/HTTP 404\): check the API Base URL/);

		server.intercept = () => ({ status: 400, body: { error: { message: 'Received unknown parameter: foo', type: 'invalid_request_error' } } });
		const bad = await expectRejection(runPos({ server, provider: 'stripe', parameters: reconcile(), workflowId }));
		expect(bad.message).toBe('The POS API rejected the request (HTTP 400): Received unknown parameter: foo');
		expect(sharedLedger(workflowId).getReconcile()).toEqual({});
	});

	test('providers without an events API, and a missing base URL, are configuration errors', async () => {
		for (const provider of ['shopify', 'toast']) {
			const error = await expectRejection(runPos({ server, provider, parameters: reconcile(), workflowId: newWorkflowId() }));
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(error.message).toMatch(/has no events or orders API this node can read, so reconciliation is not available/);
			expect(String(error.description)).toMatch(/duplicates/);
		}
		const noBase = credentialFor(server, 'standardWebhooks', { baseUrl: '' });
		const error = await expectRejection(
			runPos({ server, provider: 'standardWebhooks', parameters: reconcile(), workflowId: newWorkflowId(), credentials: noBase }),
		);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toMatch(/Set the API Base URL in the POS API credential/);
		expect(server.requests).toHaveLength(0);
	});

	test('Continue On Fail turns the failure into an error item', async () => {
		server.intercept = () => ({ status: 403, body: { error: { message: 'This API key lacks the rak_event_read permission' } } });
		const { output } = await runPos({ server, provider: 'stripe', parameters: reconcile(), workflowId: newWorkflowId(), continueOnFail: true });
		expect(output).toEqual([
			{ json: { error: expect.stringMatching(/HTTP 403/), description: expect.stringMatching(/rak_event_read/) }, pairedItem: { item: 0 } },
		]);
	});
});

/** The trigger's execute(), the first node of a webhook execution, as n8n runs it. */
async function webhookExecutionStarts(workflowId: string, ids: string[], database: ProcessedDataTable, staticData: IDataObject = {}) {
	const trigger = createExecuteContext({
		nodeType: new PosWebhookTrigger(),
		parameters: { events: '*' },
		mode: 'webhook',
		workflowId,
		staticData,
		inputItems: ids.map((id) => ({ json: { id } })),
		processedData: database,
	});
	const [output] = await trigger.run();
	return output.map((i) => i.json.id);
}

describe('Event > Reconcile: crash safety (durable "started" records shared with the trigger)', () => {
	test('an event whose webhook execution started in a process killed before saving the ledger is not emitted again', async () => {
		const now = Date.now();
		const events = makeEvents('stripe', 6, now - 5 * HOUR, now - HOUR);
		server.stripe.push(...events);
		const workflowId = newWorkflowId();
		const database = new ProcessedDataTable();
		expect(await webhookExecutionStarts(workflowId, [events[1].id, events[4].id], database)).toEqual([events[1].id, events[4].id]);
		resetLedgersForTest(); // kill -9: the executions never ended, static data was never saved

		const { items } = await runPos({ server, provider: 'stripe', parameters: reconcile(), workflowId, staticData: {}, processedData: database });
		expect(items.map((i) => i.id)).toEqual([events[0], events[2], events[3], events[5]].map((e) => e.id));
	});

	test('recovered events are recorded before they are emitted: after a kill, the next run does not emit them twice', async () => {
		const now = Date.now();
		const events = makeEvents('square', 4, now - 5 * HOUR, now - HOUR);
		server.square.push(...events);
		const workflowId = newWorkflowId();
		const database = new ProcessedDataTable();
		const first = await runPos({ server, provider: 'square', parameters: reconcile(), workflowId, staticData: {}, processedData: database });
		expect(first.items).toHaveLength(4);
		resetLedgersForTest(); // killed before the execution ended: neither checkpoint nor ledger was saved
		const second = await runPos({ server, provider: 'square', parameters: reconcile(), workflowId, staticData: {}, processedData: database });
		expect(second.items).toEqual([]);
		// And a late webhook execution of one of them runs no downstream node.
		expect(await webhookExecutionStarts(workflowId, [events[2].id], database)).toEqual([]);
	});

	test('an id a webhook claimed but whose execution n8n is still registering (pending) is not emitted', async () => {
		const now = Date.now();
		const events = makeEvents('generic', 3, now - 5 * HOUR, now - HOUR);
		server.generic.push(...events);
		const workflowId = newWorkflowId();
		const store = storeFor({ workflowId, isTest: false, windowMs: 72 * HOUR }, {});
		expect(store.claimSync([events[0].id], Date.now())).toBe('new');
		const { items } = await runPos({ server, provider: 'standardWebhooks', parameters: reconcile(), workflowId, processedData: new ProcessedDataTable() });
		expect(items.map((i) => i.id)).toEqual([events[1].id, events[2].id]);
	});

	describe('an accepted event whose execution n8n registered but never started (n8n killed first)', () => {
		/** Three events accepted through webhook() and answered 200 by n8n; only the first one's execution ran its first step. */
		async function acceptedThenKilled() {
			const now = Date.now();
			const events = makeEvents('generic', 3, now - 3 * HOUR, now - 2 * HOUR);
			server.generic.push(...events);
			const workflowId = newWorkflowId();
			const credential = credentialFor(server, 'standardWebhooks');
			const database = new ProcessedDataTable();
			const staticData: IDataObject = {};
			for (const e of events) {
				const body = JSON.stringify(standardPayload(e));
				const signature = new Webhook(String(credential.signingSecret)).sign(e.id, new Date(), body);
				const headers = { 'content-type': 'application/json', 'webhook-id': e.id, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': signature };
				const run = fakeWebhookContext({ headers, body }, { credential: credential as unknown as PosCredentialData, workflowId, staticData });
				const result = await new PosWebhookTrigger().webhook.call(run.ctx);
				expect(result.webhookResponse).toEqual({ status: 'accepted', id: e.id });
				run.n8nAnswers(200, result.webhookResponse);
			}
			await new Promise((resolve) => setImmediate(resolve)); // the 2xx's confirmations settle
			expect(await webhookExecutionStarts(workflowId, [events[0].id], database, staticData)).toEqual([events[0].id]);
			// That execution's end saved the static data (the ledger with all three ids); then n8n was
			// killed. n8n never marks a registered, unstarted execution as crashed: nothing shows them.
			const saved = savedCopy(staticData);
			resetLedgersForTest();
			return { events, workflowId, database, saved };
		}

		test('is emitted once by the next Reconcile after the Settle Delay; should its execution start after all, it runs nothing', async () => {
			const { events, workflowId, database, saved } = await acceptedThenKilled();
			const run = async () => await runPos({ server, provider: 'standardWebhooks', parameters: reconcile({ settleDelaySeconds: 0 }), workflowId, staticData: saved, processedData: database });
			const { items } = await run();
			expect(items.map((i) => i.id)).toEqual([events[1].id, events[2].id]);
			expect(items[0]).toMatchObject({ recovered: true, type: events[1].type });
			expect(await webhookExecutionStarts(workflowId, [events[1].id], database)).toEqual([]);
			expect((await run()).items).toEqual([]);
		});

		test('within the Settle Delay it is left to its execution, and the checkpoint waits for it', async () => {
			const { events, workflowId, database, saved } = await acceptedThenKilled();
			const { items } = await runPos({ server, provider: 'standardWebhooks', parameters: reconcile({ settleDelaySeconds: 600 }), workflowId, staticData: saved, processedData: database });
			expect(items).toEqual([]);
			const checkpoint = Date.parse(String(sharedLedger(workflowId).getReconcile().checkpoint));
			expect(checkpoint).toBe(events[1].createdMs);
		});
	});

	test('manual runs record nothing durably', async () => {
		const now = Date.now();
		server.stripe.push(...makeEvents('stripe', 3, now - 5 * HOUR, now - HOUR));
		const database = new ProcessedDataTable();
		const { items } = await runPos({ server, provider: 'stripe', parameters: reconcile(), workflowId: newWorkflowId(), mode: 'manual', processedData: database });
		expect(items).toHaveLength(3);
		expect(database.writes).toBe(0);
	});
});

describe('Event > Reconcile: completion tracking (Mark Done, re-emits, failed events)', () => {
	const tracking = (extra: IDataObject = {}) => reconcile({ completionTracking: true, finishWithinMinutes: 30, maxReemits: 2, ...extra });
	const markDone = (eventId: string) => ({ resource: 'ledger', operation: 'markDone', eventId });
	/** A workflow that has had completion tracking on for a day (its ledger says since when); its static data. */
	const trackingForADay = (workflowId: string): IDataObject => {
		const staticData: IDataObject = {};
		const store = storeFor({ workflowId, isTest: false, windowMs: 72 * HOUR }, staticData);
		store.ledger.setReconcile({ ...store.ledger.getReconcile(), completionSince: Date.now() - DAY } as never);
		staticData[STATIC_DATA_KEY] = JSON.parse(JSON.stringify(store.toJSON()));
		return staticData;
	};
	const at = (provider: 'stripe' | 'square', minutesAgo: number, suffix: string) => {
		const t = Date.now() - minutesAgo * 60_000;
		return makeEvents(provider, 1, t, t).map((e) => ({ ...e, id: `${e.id}_${suffix}` }))[0];
	};

	test('a started event without Mark Done is emitted again once per period, at most Max Re-Emits times, then listed as failed', async () => {
		const late = at('stripe', 45, 'late');
		const done = at('stripe', 50, 'done');
		const gaveUp = at('stripe', 100, 'old');
		const fresh = at('stripe', 10, 'new');
		server.stripe.push(gaveUp, done, late, fresh);
		const workflowId = newWorkflowId();
		const database = new ProcessedDataTable();
		const staticData = trackingForADay(workflowId);
		const all = [late.id, done.id, gaveUp.id, fresh.id];
		expect(await webhookExecutionStarts(workflowId, all, database, staticData)).toEqual(all);
		await runPos({ server, provider: 'stripe', parameters: markDone(done.id), workflowId, staticData, processedData: database });

		const first = await runPos({ server, provider: 'stripe', parameters: tracking(), workflowId, staticData, processedData: database });
		// late: 45 min old, period 30 min: re-emit number 1. done: finished. fresh: not due. gaveUp: 100 min = 3 periods > 2.
		expect(first.items.map((i) => [i.id, i.reemitted, i.recovered])).toEqual([[late.id, 1, true]]);
		const second = await runPos({ server, provider: 'stripe', parameters: tracking(), workflowId, staticData, processedData: database });
		expect(second.items).toEqual([]); // re-emit number 1 was made already

		const failed = await runPos({ server, provider: 'stripe', parameters: { resource: 'ledger', operation: 'getFailed' }, workflowId, staticData, processedData: database });
		expect(failed.items.map((i) => [i.id, i.reemits])).toEqual([[gaveUp.id, 2]]);
	});

	test('without the option nothing is re-emitted, and Mark Done in a manual run marks nothing', async () => {
		const event = at('stripe', 45, 'x');
		server.stripe.push(event);
		const workflowId = newWorkflowId();
		const database = new ProcessedDataTable();
		const staticData = trackingForADay(workflowId);
		await webhookExecutionStarts(workflowId, [event.id], database, staticData);
		expect((await runPos({ server, provider: 'stripe', parameters: reconcile(), workflowId, staticData, processedData: database })).items).toEqual([]);
		const writes = database.writes;
		await runPos({ server, provider: 'stripe', parameters: markDone(event.id), workflowId, staticData, processedData: database, mode: 'manual' });
		expect(database.writes).toBe(writes);
		const tracked = await runPos({ server, provider: 'stripe', parameters: tracking(), workflowId, staticData, processedData: database });
		expect(tracked.items.map((i) => i.id)).toEqual([event.id]);
	});

	test('a kill after the re-emit was recorded: the next run does not emit it twice in the same period', async () => {
		const event = at('square', 40, 'k');
		server.square.push(event);
		const workflowId = newWorkflowId();
		const database = new ProcessedDataTable();
		await webhookExecutionStarts(workflowId, [event.id], database);
		const saved = trackingForADay(workflowId);
		const first = await runPos({ server, provider: 'square', parameters: tracking(), workflowId, staticData: JSON.parse(JSON.stringify(saved)), processedData: database });
		expect(first.items.map((i) => i.id)).toEqual([event.id]);
		resetLedgersForTest(); // kill -9 before anything was saved
		const again = await runPos({ server, provider: 'square', parameters: tracking(), workflowId, staticData: JSON.parse(JSON.stringify(saved)), processedData: database });
		expect(again.items).toEqual([]);
	});

	test('an event with neither a started nor a done record (pushed out of n8n\'s row) is not emitted again, and the log says why', async () => {
		const event = at('stripe', 35, 'gone');
		server.stripe.push(event);
		const workflowId = newWorkflowId();
		const staticData = trackingForADay(workflowId);
		// In the ledger, no "awaiting start" mark, no durable record: its records were pushed out.
		expect(storeFor({ workflowId, isTest: false, windowMs: 72 * HOUR }, staticData).claimSync([event.id], Date.now())).toBe('new');
		storeFor({ workflowId, isTest: false, windowMs: 72 * HOUR }, staticData).confirmSync([event.id], Date.now());
		const harness = posHarness({ server, provider: 'stripe', parameters: tracking(), workflowId, staticData, processedData: new ProcessedDataTable() });
		const [output] = await harness.run();
		expect(output).toEqual([]);
		expect(harness.logs.map((l) => l.message).join('\n')).toMatch(/1 event\(s\) have no "started" or "done" record any more/);
	});

	test('events from before completion tracking was turned on are not re-emitted', async () => {
		const event = at('stripe', 45, 'before');
		server.stripe.push(event);
		const workflowId = newWorkflowId();
		const database = new ProcessedDataTable();
		await webhookExecutionStarts(workflowId, [event.id], database);
		const { items } = await runPos({ server, provider: 'stripe', parameters: tracking(), workflowId, staticData: {}, processedData: database });
		expect(items).toEqual([]);
	});
});
