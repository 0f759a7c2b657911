/** Vendor-shaped events: deterministic from the seed, and the neutral record agrees with the body. */
import { EVENT_TYPES, generateEvents, makeCatalog, supportedKinds, type SimEvent } from '../../simulator/events';
import { mulberry32, randUuid } from '../../simulator/rng';
import type { ProviderName } from '../../simulator/signers';

const START = Date.UTC(2025, 4, 1, 12, 0, 0);
const PROVIDERS: ProviderName[] = ['standardWebhooks', 'stripe', 'square', 'shopify', 'toast', 'custom'];
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const parse = (e: SimEvent) => JSON.parse(e.body) as Json;

describe('rng', () => {
	it('mulberry32 is deterministic and uniform enough', () => {
		const a = mulberry32(42);
		const b = mulberry32(42);
		const xs = Array.from({ length: 10000 }, () => a());
		expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
		const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
		expect(mean).toBeGreaterThan(0.48);
		expect(mean).toBeLessThan(0.52);
		expect(randUuid(mulberry32(1))).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
	});
});

describe('generateEvents', () => {
	it.each(PROVIDERS)('%s: same seed and start give byte-identical events; another seed differs', (provider) => {
		const a = generateEvents({ provider, count: 20, seed: 7, startTime: START, nonOrderRate: 0.3 });
		const b = generateEvents({ provider, count: 20, seed: 7, startTime: START, nonOrderRate: 0.3 });
		const c = generateEvents({ provider, count: 20, seed: 8, startTime: START, nonOrderRate: 0.3 });
		expect(a.map((e) => e.body)).toEqual(b.map((e) => e.body));
		expect(a.map((e) => e.eventId)).not.toEqual(c.map((e) => e.eventId));
		// Strictly increasing times, unique ids, every body valid JSON.
		const times = a.map((e) => Date.parse(e.occurredAt));
		expect([...times].sort((x, y) => x - y)).toEqual(times);
		expect(new Set(a.map((e) => e.eventId)).size).toBe(20);
		for (const e of a) {
			expect(() => parse(e)).not.toThrow();
			expect(e.provider).toBe(provider);
			expect(Object.values(EVENT_TYPES[provider])).toContain(e.type);
		}
	});

	it('mixes in non-order events only of kinds the vendor has', () => {
		for (const provider of PROVIDERS) {
			const events = generateEvents({ provider, count: 200, seed: 3, startTime: START, nonOrderRate: 0.5 });
			const kinds = new Set(events.map((e) => e.kind));
			expect(kinds.has('order.paid')).toBe(true);
			expect(kinds.size).toBe(supportedKinds(provider).length);
			for (const e of events.filter((x) => x.kind !== 'order.paid')) {
				expect(e.orderId).toBeNull();
				expect(e.amountMinor).toBeNull();
			}
		}
	});

	it('keeps customers in a seeded pool with fictional E.164 numbers', () => {
		const catalog = makeCatalog(5);
		expect(catalog.customers.every((c) => /^\+1\d{3}55501\d{2}$/.test(c.phone))).toBe(true);
		const events = generateEvents({ provider: 'standardWebhooks', count: 300, seed: 5, startTime: START, catalog });
		const phones = new Set(events.map((e) => e.customerPhone));
		expect(phones.size).toBeLessThan(events.length); // repeat customers
	});
});

describe('vendor shapes agree with the neutral record', () => {
	const one = (provider: ProviderName, extra: object = {}) => generateEvents({ provider, count: 1, seed: 11, startTime: START, ...extra })[0];

	it('Stripe: an Event wrapping a PaymentIntent with the order in metadata', () => {
		const e = one('stripe');
		const b = parse(e);
		expect(b).toMatchObject({ id: e.eventId, object: 'event', type: 'payment_intent.succeeded', livemode: false, pending_webhooks: 1 });
		expect(b.id).toMatch(/^evt_/);
		expect(typeof b.api_version).toBe('string');
		expect(b.created).toBe(Math.floor(Date.parse(e.occurredAt) / 1000));
		expect(b.request).toEqual({ id: expect.stringMatching(/^req_/), idempotency_key: expect.any(String) });
		const pi = b.data.object;
		expect(pi).toMatchObject({ object: 'payment_intent', amount: e.amountMinor, currency: 'usd', status: 'succeeded' });
		expect(pi.id).toMatch(/^pi_/);
		expect(pi.metadata).toMatchObject({ order_id: e.orderId, location_id: e.locationId, customer_phone: e.customerPhone });
	});

	it('Square: order.updated (or payment.updated) as Square documents it', () => {
		const e = one('square');
		const b = parse(e);
		expect(b).toMatchObject({ type: 'order.updated', event_id: e.eventId, created_at: e.occurredAt, location_id: e.locationId });
		expect(b.data).toMatchObject({ type: 'order', id: e.orderId, object: { order_updated: { order_id: e.orderId, location_id: e.locationId, state: 'COMPLETED' } } });
		const p = parse(one('square', { squareType: 'payment.updated' }));
		expect(p.type).toBe('payment.updated');
		expect(p.data.object.payment).toMatchObject({ status: 'COMPLETED', amount_money: { currency: 'USD' } });
	});

	it('Standard Webhooks: {type, timestamp, data} with the id left to the webhook-id header', () => {
		const e = one('standardWebhooks');
		const b = parse(e);
		expect(e.eventId).toMatch(/^msg_/);
		expect(b).toMatchObject({ type: 'order.paid', timestamp: e.occurredAt, data: { order_id: e.orderId, location_id: e.locationId, total: e.amountMinor } });
		expect(b.data.customer.phone).toBe(e.customerPhone);
		expect(b.id).toBeUndefined();
	});

	it('Shopify: orders/paid with numeric ids and decimal-string prices', () => {
		const e = one('shopify');
		const b = parse(e);
		expect(typeof b.id).toBe('number');
		expect(String(b.id)).toBe(e.orderId);
		expect(b.total_price).toBe((e.amountMinor! / 100).toFixed(2));
		expect(String(b.location_id)).toBe(e.locationId);
		expect(b.customer.phone).toBe(e.customerPhone);
		expect(Date.parse(b.updated_at)).toBe(Date.parse(e.occurredAt));
		expect(e.meta?.shopify?.topic).toBe('orders/paid');
	});

	it('Toast: orders webhook with the guid as event id and the restaurant in the headers', () => {
		const e = one('toast');
		const b = parse(e);
		expect(b).toMatchObject({ eventCategory: 'orders', eventType: 'order_updated', guid: e.eventId });
		expect(b.timestamp).toMatch(/\+0000$/);
		expect(Date.parse(b.timestamp.replace('+0000', 'Z'))).toBe(Date.parse(e.occurredAt));
		expect(b.details.order.guid).toBe(e.orderId);
		expect(b.details.order.checks[0].customer.phone).toBe(e.customerPhone);
		expect(e.meta?.toast?.restaurantExternalId).toBe(e.locationId);
	});

	it('custom: id and type in the body', () => {
		const e = one('custom');
		expect(parse(e)).toMatchObject({ id: e.eventId, type: 'order.paid', timestamp: e.occurredAt });
	});
});
