/**
 * How fast the POS simulator's event store serves pages at 100,000 events (it backs the
 * reconciliation benchmark, so it must not be what that benchmark measures). Not part of
 * `npm run bench`'s table; run on its own:
 *   npx tsx bench/simulator-store.ts
 * Prints per-page costs for a first-to-last scan and for pages deep in the history; a deep page
 * should cost about what a first page does (binary search, no scan).
 */
import type { SimEvent } from '../simulator/events';
import type { ProviderName } from '../simulator/signers';
import { after, atTime, EventStore, type Key } from '../simulator/store';

const T0 = Date.UTC(2025, 0, 1);
const TYPES = ['a', 'b', 'c'];
const PROVIDERS: ProviderName[] = ['stripe', 'square', 'standardWebhooks'];

function ev(i: number): SimEvent {
	return {
		eventId: `e${i}`,
		type: TYPES[i % 3],
		kind: 'order.paid',
		occurredAt: new Date(T0 + i * 10).toISOString(),
		locationId: `L${i % 3}`,
		orderId: null,
		customerPhone: null,
		amountMinor: null,
		provider: PROVIDERS[i % 3],
		body: `{"i":${i}}`,
	};
}

const store = new EventStore();
store.add(Array.from({ length: 100_000 }, (_, i) => ev(i)));

let started = performance.now();
let pages = 0;
let from: Key | undefined;
for (;;) {
	const page = store.query({ from, direction: 'asc', limit: 1000, types: ['b'] });
	pages++;
	if (!page.more) break;
	from = after(page.entries[page.entries.length - 1]);
}
const scanPerPageMs = (performance.now() - started) / pages;

started = performance.now();
for (let i = 0; i < 200; i++) store.query({ from: atTime(T0 + 900_000 + i), direction: 'asc', limit: 100 });
const deepPerPageMs = (performance.now() - started) / 200;

started = performance.now();
for (let i = 0; i < 200; i++) store.query({ direction: 'asc', limit: 100 });
const firstPerPageMs = (performance.now() - started) / 200;

console.log(JSON.stringify({ events: 100_000, scanPages: pages, scanPerPageMs, deepPerPageMs, firstPerPageMs, deepVsFirst: deepPerPageMs / firstPerPageMs }));
