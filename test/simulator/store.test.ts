/**
 * The event store's pages equal a brute-force sort-filter-slice for any insertion order and query
 * (property-based), and stay correct at 100,000 events. How fast pages are served is measured by
 * bench/simulator-store.ts, not asserted here.
 */
import fc from 'fast-check';
import type { SimEvent } from '../../simulator/events';
import type { ProviderName } from '../../simulator/signers';
import { after, atTime, EventStore, type Key } from '../../simulator/store';

const T0 = Date.UTC(2025, 0, 1);
const TYPES = ['a', 'b', 'c'];
const PROVIDERS: ProviderName[] = ['stripe', 'square', 'standardWebhooks'];

function ev(i: number, t: number, type: string, provider: ProviderName): SimEvent {
	return {
		eventId: `e${i}`,
		type,
		kind: 'order.paid',
		occurredAt: new Date(T0 + t).toISOString(),
		locationId: `L${i % 3}`,
		orderId: null,
		customerPhone: null,
		amountMinor: null,
		provider,
		body: `{"i":${i}}`,
	};
}

const cmp = (a: Key, b: Key) => (a.t !== b.t ? a.t - b.t : a.s - b.s);

describe('EventStore', () => {
	it('pages like a brute-force sort, filter and slice, whatever the insertion order', () => {
		fc.assert(
			fc.property(
				fc.array(fc.record({ t: fc.integer({ min: 0, max: 50 }), type: fc.constantFrom(...TYPES), p: fc.constantFrom(...PROVIDERS) }), { maxLength: 60 }),
				fc.record({
					from: fc.option(fc.record({ t: fc.integer({ min: -1, max: 52 }), s: fc.integer({ min: 0, max: 61 }) }), { nil: undefined }),
					to: fc.option(fc.record({ t: fc.integer({ min: -1, max: 52 }), s: fc.integer({ min: 0, max: 61 }) }), { nil: undefined }),
					types: fc.option(fc.subarray(TYPES, { minLength: 1 }), { nil: undefined }),
					providers: fc.option(fc.subarray(PROVIDERS, { minLength: 1 }), { nil: undefined }),
					direction: fc.constantFrom('asc' as const, 'desc' as const),
					limit: fc.integer({ min: 0, max: 20 }),
					odd: fc.boolean(),
				}),
				(rows, q) => {
					const store = new EventStore();
					const keyed = rows.map((r, i) => ({ t: T0 + r.t, s: i + 1, e: ev(i, r.t, r.type, r.p) }));
					for (const k of keyed) store.add([k.e]);
					const shift = (k?: Key) => (k ? { t: T0 + k.t, s: k.s } : undefined);
					const where = q.odd ? (e: SimEvent) => Number(e.eventId.slice(1)) % 2 === 1 : undefined;
					const page = store.query({ from: shift(q.from), to: shift(q.to), types: q.types, providers: q.providers, direction: q.direction, limit: q.limit, where });
					const expected = keyed
						.filter((k) => (!q.from || cmp(k, shift(q.from)!) >= 0) && (!q.to || cmp(k, shift(q.to)!) < 0))
						.filter((k) => (!q.types || q.types.includes(k.e.type)) && (!q.providers || q.providers.includes(k.e.provider)) && (!where || where(k.e)))
						.sort(cmp);
					if (q.direction === 'desc') expected.reverse();
					expect(page.entries.map((x) => x.event.eventId)).toEqual(expected.slice(0, q.limit).map((k) => k.e.eventId));
					expect(page.more).toBe(expected.length > q.limit);
				},
			),
			{ numRuns: 300, seed: 42 },
		);
	});

	it('ignores an event id it already holds', () => {
		const store = new EventStore();
		expect(store.add([ev(1, 1, 'a', 'stripe'), ev(1, 2, 'a', 'stripe'), ev(2, 0, 'a', 'stripe')])).toBe(2);
		expect(store.size).toBe(2);
	});

	it('holds 100,000 events, splices back-dated arrivals into place and pages through all of them', () => {
		const store = new EventStore();
		const events: SimEvent[] = [];
		for (let i = 0; i < 100_000; i++) events.push(ev(i, i * 10, TYPES[i % 3], PROVIDERS[i % 3]));
		store.add(events);
		// Back-dated arrivals are spliced into place.
		store.add([ev(100_001, 5, 'a', 'stripe')]);
		expect(store.query({ direction: 'asc', limit: 2, providers: ['stripe'] }).entries.map((e) => e.event.eventId)).toEqual(['e0', 'e100001']);

		let seen = 0;
		let pages = 0;
		let from: Key | undefined;
		for (;;) {
			const page = store.query({ from, direction: 'asc', limit: 1000, types: ['b'] });
			seen += page.entries.length;
			pages++;
			if (!page.more) break;
			from = after(page.entries[page.entries.length - 1]);
		}
		expect([seen, pages]).toEqual([33_333, 34]);
		// A page deep in the history starts where it is asked to.
		const deep = store.query({ from: atTime(T0 + 900_000), direction: 'asc', limit: 3 });
		expect(deep.entries.map((e) => e.event.eventId)).toEqual(['e90000', 'e90001', 'e90002']);
	});
});
