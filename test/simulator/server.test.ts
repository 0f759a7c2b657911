/**
 * The simulator's events APIs, read by the vendors' own SDK clients (stripe, square) and by plain
 * fetch for the generic API; fault injection; the downstream report.
 */
import Stripe from 'stripe';
import { SquareClient, SquareError } from 'square';
import { generateEvents, type SimEvent } from '../../simulator/events';
import { startSimulator, type Simulator } from '../../simulator/server';

const TOKEN = 'sk_test_simulator';
const START = Date.UTC(2025, 4, 1, 12, 0, 0);
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let sim: Simulator;
const stripeEvents: SimEvent[] = generateEvents({ provider: 'stripe', count: 60, seed: 21, startTime: START, spacingMs: 700, nonOrderRate: 0.25 });
const squareEvents: SimEvent[] = generateEvents({ provider: 'square', count: 45, seed: 22, startTime: START, spacingMs: 900, nonOrderRate: 0.3 });
const swEvents: SimEvent[] = generateEvents({ provider: 'standardWebhooks', count: 10_000, seed: 23, startTime: START, spacingMs: 50, nonOrderRate: 0.1 });

const get = (path: string, token = TOKEN) => fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
const post = (path: string, body: unknown, token = TOKEN) =>
	fetch(`${sim.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeAll(async () => {
	sim = await startSimulator({ apiToken: TOKEN });
	sim.addEvents([...stripeEvents, ...squareEvents, ...swEvents]);
});
afterAll(() => sim.close());
afterEach(() => {
	sim.setApiFaults({});
	sim.setLatency(0);
});

const newestFirst = (events: SimEvent[]) => [...events].reverse().map((e) => e.eventId);
const secs = (iso: string) => Math.floor(Date.parse(iso) / 1000);

describe('Stripe-shaped API, read by the official stripe client', () => {
	let stripe: Stripe;
	beforeAll(() => {
		stripe = new Stripe(TOKEN, { host: '127.0.0.1', port: sim.port, protocol: 'http', maxNetworkRetries: 0 });
	});

	it('auto-paginates every event, newest first, over several pages', async () => {
		const before = sim.stats().byRoute['GET /v1/events'] ?? 0;
		const ids: string[] = [];
		for await (const e of stripe.events.list({ limit: 7 })) ids.push(e.id);
		expect(ids).toEqual(newestFirst(stripeEvents));
		expect((sim.stats().byRoute['GET /v1/events'] ?? 0) - before).toBe(Math.ceil(60 / 7));
	});

	it('filters on created[gte]/[lt] (whole seconds) and on type, types[] and wildcards', async () => {
		const gte = secs(stripeEvents[10].occurredAt);
		const lt = secs(stripeEvents[40].occurredAt);
		const inRange = stripeEvents.filter((e) => secs(e.occurredAt) >= gte && secs(e.occurredAt) < lt);
		const got = await stripe.events.list({ created: { gte, lt }, limit: 5 }).autoPagingToArray({ limit: 1000 });
		expect(got.map((e) => e.id)).toEqual(newestFirst(inRange));

		const products = await stripe.events.list({ type: 'product.updated', limit: 100 });
		expect(products.data.map((e) => e.id)).toEqual(newestFirst(stripeEvents.filter((e) => e.type === 'product.updated')));
		const wildcard = await stripe.events.list({ type: 'payment_intent.*', limit: 100 });
		expect(wildcard.data.map((e) => e.id)).toEqual(newestFirst(stripeEvents.filter((e) => e.type === 'payment_intent.succeeded')));
		const both = await stripe.events.list({ types: ['product.updated', 'payment_intent.succeeded'], limit: 100 });
		expect(both.data).toHaveLength(60);
	});

	it('pages backwards with ending_before', async () => {
		const oldest = stripeEvents[0].eventId;
		const ids: string[] = [];
		for await (const e of stripe.events.list({ ending_before: oldest, limit: 9 })) ids.push(e.id);
		// stripe-node walks ending_before pages towards the newest, yielding oldest first.
		expect(ids).toEqual(stripeEvents.slice(1).map((e) => e.eventId));
	});

	it('retrieves an event and a payment intent; answers errors in Stripe format', async () => {
		const order = stripeEvents.find((e) => e.order)!;
		const evt = await stripe.events.retrieve(order.eventId);
		expect(evt).toMatchObject({ id: order.eventId, type: 'payment_intent.succeeded' });
		const pi = await stripe.paymentIntents.retrieve(order.order!.vendorIds.stripePaymentIntent);
		expect(pi).toMatchObject({ amount: order.amountMinor, metadata: { order_id: order.orderId } });

		await expect(stripe.events.retrieve('evt_missing')).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
		await expect(stripe.events.list({ limit: 101 })).rejects.toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
		const wrong = new Stripe('sk_test_wrong', { host: '127.0.0.1', port: sim.port, protocol: 'http', maxNetworkRetries: 0 });
		await expect(wrong.events.list()).rejects.toMatchObject({ statusCode: 401, type: 'StripeAuthenticationError' });
	});
});

describe('Square-shaped API, read by the official square client', () => {
	let square: SquareClient;
	beforeAll(() => {
		square = new SquareClient({ token: TOKEN, baseUrl: sim.url, maxRetries: 0 });
	});

	async function searchAll(query: Parameters<SquareClient['events']['searchEvents']>[0] = {}): Promise<{ ids: string[]; pages: number }> {
		const ids: string[] = [];
		let cursor: string | undefined;
		let pages = 0;
		do {
			const page = await square.events.searchEvents({ ...query, cursor });
			pages++;
			for (const e of page.events ?? []) ids.push(e.eventId!);
			expect(page.metadata?.map((m) => m.eventId)).toEqual((page.events ?? []).map((e) => e.eventId));
			cursor = page.cursor;
		} while (cursor);
		return { ids, pages };
	}

	it('lists every event over several pages, DESC by default and ASC on request', async () => {
		const desc = await searchAll({ limit: 10 });
		expect(desc.ids).toEqual(newestFirst(squareEvents));
		expect(desc.pages).toBe(5);
		const asc = await searchAll({ limit: 8, query: { sort: { field: 'DEFAULT', order: 'ASC' } } });
		expect(asc.ids).toEqual(squareEvents.map((e) => e.eventId));
	});

	it('filters on event types, locations and a created_at range', async () => {
		const loc = squareEvents.find((e) => e.locationId)!.locationId!;
		const startAt = squareEvents[5].occurredAt;
		const endAt = squareEvents[35].occurredAt;
		const { ids } = await searchAll({
			limit: 4,
			query: { filter: { eventTypes: ['order.updated'], locationIds: [loc], createdAt: { startAt, endAt } }, sort: { field: 'DEFAULT', order: 'ASC' } },
		});
		const expected = squareEvents.slice(5, 35).filter((e) => e.type === 'order.updated' && e.locationId === loc);
		expect(expected.length).toBeGreaterThan(0);
		expect(ids).toEqual(expected.map((e) => e.eventId));
	});

	it('serves orders, customers and locations; answers errors in Square format', async () => {
		const e = squareEvents.find((x) => x.order)!;
		const { order } = await square.orders.get({ orderId: e.orderId! });
		expect(order).toMatchObject({ id: e.orderId, locationId: e.locationId, totalMoney: { amount: BigInt(e.amountMinor!) } });
		const { customer } = await square.customers.get({ customerId: order!.customerId! });
		expect(customer?.phoneNumber).toBe(e.customerPhone);
		const { locations } = await square.locations.list();
		expect(locations?.map((l) => l.id)).toContain(e.locationId);

		const wrong = new SquareClient({ token: 'nope', baseUrl: sim.url, maxRetries: 0 });
		const err = await wrong.events.searchEvents({}).catch((x: unknown) => x);
		expect(err).toBeInstanceOf(SquareError);
		expect((err as SquareError).statusCode).toBe(401);
		expect((err as SquareError).body).toMatchObject({ errors: [{ category: 'AUTHENTICATION_ERROR', code: 'UNAUTHORIZED' }] });
	});

	it('the square client rides through a 429 by honouring Retry-After', async () => {
		sim.setApiFaults({ rateLimit: 1, retryAfterSeconds: 1 });
		const retrying = new SquareClient({ token: TOKEN, baseUrl: sim.url, maxRetries: 2 });
		const started = Date.now();
		const page = await retrying.events.searchEvents({ limit: 3 });
		expect(page.events).toHaveLength(3);
		expect(Date.now() - started).toBeGreaterThanOrEqual(950);
	});
});

describe('generic events API', () => {
	async function pageAll(query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
		const ids: string[] = [];
		let cursor: string | null = null;
		let pages = 0;
		do {
			const q: string = `${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
			const res = await get(`/events?${q}`);
			expect(res.status).toBe(200);
			const body = (await res.json()) as { events: Array<{ id: string; type: string; occurred_at: string; payload: Json }>; next_cursor: string | null };
			pages++;
			for (const e of body.events) ids.push(e.id);
			cursor = body.next_cursor;
		} while (cursor);
		return { ids, pages };
	}

	it('pages 10,000 events completely, oldest first, with no duplicates or gaps', async () => {
		const { ids, pages } = await pageAll('provider=standardWebhooks', 1000);
		expect(pages).toBe(10);
		expect(ids).toEqual(swEvents.map((e) => e.eventId));
	});

	it('pages a since/until window ([since, until)) with an odd page size, and by type', async () => {
		const since = swEvents[1234].occurredAt;
		const until = swEvents[8765].occurredAt;
		const { ids } = await pageAll(`since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}`, 333);
		expect(ids).toEqual(swEvents.slice(1234, 8765).map((e) => e.eventId));
		const menus = await pageAll('type=menu.updated,shift.started', 500);
		expect(menus.ids).toEqual(swEvents.filter((e) => e.type !== 'order.paid').map((e) => e.eventId));
	});

	it('returns the webhook body as payload, byte for byte, and the neutral fields', async () => {
		const res = await get(`/events?limit=1&since=${encodeURIComponent(swEvents[0].occurredAt)}`);
		const body = (await res.json()) as Json;
		expect(body.events[0]).toEqual({ id: swEvents[0].eventId, type: swEvents[0].type, occurred_at: swEvents[0].occurredAt, payload: JSON.parse(swEvents[0].body) });
		expect(typeof body.next_cursor).toBe('string');
		const order = await (await get(`/orders/${swEvents[0].orderId}`)).json();
		expect(order).toMatchObject({ id: swEvents[0].orderId, total: swEvents[0].amountMinor });
	});

	it('a cursor keeps going past events added after it was issued; later events are found again by since', async () => {
		const local = await startSimulator({ apiToken: TOKEN });
		const list = async (q: string) => (await (await fetch(`${local.url}/events?${q}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as Json;
		try {
			const early = generateEvents({ provider: 'standardWebhooks', count: 5, seed: 1, startTime: START });
			local.addEvents(early);
			const first = await list('limit=2');
			expect(first.next_cursor).toEqual(expect.any(String));
			const later = generateEvents({ provider: 'standardWebhooks', count: 3, seed: 2, startTime: START + 60_000 });
			local.addEvents(later);
			const rest = await list(`limit=100&cursor=${encodeURIComponent(first.next_cursor)}`);
			expect(rest.events.map((e: Json) => e.id)).toEqual([...early.slice(2), ...later].map((e) => e.eventId));
			expect(rest.next_cursor).toBeNull();
			// At the end there is no cursor: a reconciler resumes from the last time it saw (inclusive).
			const newest = generateEvents({ provider: 'standardWebhooks', count: 2, seed: 3, startTime: START + 120_000 });
			local.addEvents(newest);
			const again = await list(`limit=100&since=${encodeURIComponent(rest.events[rest.events.length - 1].occurred_at)}`);
			expect(again.events.map((e: Json) => e.id)).toEqual([later[2], ...newest].map((e) => e.eventId));
		} finally {
			await local.close();
		}
	});

	it('validates parameters and the token, in its own JSON error format', async () => {
		const wrong = await get('/events', 'wrong');
		expect(wrong.status).toBe(401);
		expect(await wrong.json()).toMatchObject({ error: 'unauthorized' });
		expect((await get('/events?limit=0')).status).toBe(400);
		expect((await get('/events?since=yesterday')).status).toBe(400);
		expect((await get('/events?cursor=%%%')).status).toBe(400);
		const big = (await (await get('/events?limit=5000&provider=standardWebhooks')).json()) as Json;
		expect(big.events).toHaveLength(1000);
		expect((await get('/orders/nope')).status).toBe(404);
	});
});

describe('API fault injection', () => {
	it('answers N 429s with Retry-After, then M 5xx, then serves', async () => {
		sim.setApiFaults({ rateLimit: 2, retryAfterSeconds: 3, serverErrors: 1, serverErrorStatus: 502 });
		const statuses: Array<[number, string | null]> = [];
		for (let i = 0; i < 4; i++) {
			const res = await get('/events?limit=1');
			statuses.push([res.status, res.headers.get('retry-after')]);
			await res.arrayBuffer();
		}
		expect(statuses).toEqual([
			[429, '3'],
			[429, '3'],
			[502, null],
			[200, null],
		]);
	});

	it('writes fault answers in the vendor format of the route', async () => {
		sim.setApiFaults({ rateLimit: 1, serverErrors: 1 });
		const stripe429 = await get('/v1/events');
		expect(await stripe429.json()).toMatchObject({ error: { code: 'rate_limit' } });
		const square5xx = await post('/v2/events', {});
		expect(square5xx.status).toBe(503);
		expect(await square5xx.json()).toMatchObject({ errors: [{ category: 'API_ERROR' }] });
	});

	it('adds per-request latency', async () => {
		sim.setLatency(150);
		const started = Date.now();
		await (await get('/events?limit=1')).arrayBuffer();
		expect(Date.now() - started).toBeGreaterThanOrEqual(145);
	});

	it('can be re-armed over HTTP (POST /_faults)', async () => {
		await (await post('/_faults', { serverErrors: 1 })).arrayBuffer();
		expect((await get('/events?limit=1')).status).toBe(503);
		expect((await get('/events?limit=1')).status).toBe(200);
	});
});

describe('downstream recording and admin endpoints', () => {
	it('counts loyalty postings and SMS per order', async () => {
		sim.resetReport();
		const ok = async (path: string, body: unknown) => expect((await post(path, body)).status).toBe(200);
		await ok('/loyalty', { orderId: 'o1', customerPhone: '+12025550101', points: 12 });
		await ok('/loyalty', { orderId: 'o1', customerPhone: '+12025550101', points: 12 });
		await ok('/loyalty', { orderId: 'o2', customerId: 'c2', points: 5 });
		await ok('/sms', { to: '+12025550101', body: 'Thanks!', orderId: 'o1' });
		expect((await post('/sms', { orderId: 'o3' })).status).toBe(400);
		const report = (await (await fetch(`${sim.url}/_report`)).json()) as Json;
		expect(report.orders).toEqual({ o1: { loyalty: 2, sms: 1, points: 24 }, o2: { loyalty: 1, sms: 0, points: 5 } });
		expect(report.totals).toMatchObject({ loyaltyPostings: 3, smsSent: 1, points: 29, ordersWithDuplicateLoyalty: 1, ordersWithDuplicateSms: 0, invalidPostings: 1 });
	});

	it('adds events over HTTP (lists and generate) and reports health', async () => {
		const local = await startSimulator();
		try {
			const events = generateEvents({ provider: 'toast', count: 3, seed: 4, startTime: START });
			const added = (await (await fetch(`${local.url}/_events`, { method: 'POST', body: JSON.stringify({ events }) })).json()) as Json;
			expect(added).toEqual({ added: 3, total: 3 });
			const gen = (await (await fetch(`${local.url}/_events`, { method: 'POST', body: JSON.stringify({ generate: { provider: 'standardWebhooks', count: 4 } }) })).json()) as Json;
			expect(gen.added).toBe(4);
			expect(await (await fetch(`${local.url}/_health`)).json()).toEqual({ status: 'ok', events: 7 });
			// Toast orders posted with their neutral order can be looked up by the Toast order guid.
			const order = (await (await fetch(`${local.url}/orders/${events[0].orderId}`, { headers: { authorization: 'Bearer sim_test_token' } })).json()) as Json;
			expect(order.vendor_ids.toast).toBe(events[0].orderId);
		} finally {
			await local.close();
		}
	});
});
