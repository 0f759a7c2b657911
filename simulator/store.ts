/**
 * Every event the simulated POS ever created (delivered or dropped), indexed so that any page of any
 * events API is O(log n + page size): one array per provider and one per (provider, type), each sorted
 * by (time, creation sequence), searched by binary search. A reconciliation pull over 100,000 events
 * must not turn into 100,000^2 / page work inside the simulator and distort the benchmark.
 *
 * Events usually arrive in time order (appended in O(1)); back-dated ones are spliced in place.
 */
import type { Customer, Order, SimEvent } from './events';
import type { ProviderName } from './signers';

/** Sort key: event time in ms, then creation sequence (ties in the same ms keep creation order). */
export interface Key {
	t: number;
	s: number;
}

export interface Entry extends Key {
	event: SimEvent;
}

const cmp = (a: Key, b: Key) => (a.t !== b.t ? a.t - b.t : a.s - b.s);

/** An array kept sorted by Key. */
class SortedList {
	readonly items: Entry[] = [];

	insert(e: Entry): void {
		const n = this.items.length;
		if (n === 0 || cmp(this.items[n - 1], e) <= 0) {
			this.items.push(e);
			return;
		}
		this.items.splice(this.lowerBound(e), 0, e);
	}

	/** First index whose key is >= k. */
	lowerBound(k: Key): number {
		let lo = 0;
		let hi = this.items.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (cmp(this.items[mid], k) < 0) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	}
}

export interface StoreQuery {
	/** Only these providers (default: all). */
	providers?: readonly ProviderName[];
	/** Only these event types (default: all). */
	types?: readonly string[];
	/** Inclusive lower bound on the key. */
	from?: Key;
	/** Exclusive upper bound on the key. */
	to?: Key;
	/** 'asc' walks up from `from`; 'desc' walks down from `to`. */
	direction: 'asc' | 'desc';
	limit: number;
	/** Further per-event condition (location, merchant); costs a scan of what it skips. */
	where?: (e: SimEvent) => boolean;
}

export interface StorePage {
	entries: Entry[];
	/** Whether more matching entries lie beyond the page in the walking direction. */
	more: boolean;
}

/** The smallest key at or after time t (ms). */
export const atTime = (t: number): Key => ({ t, s: 0 });
/** The key right after k (so that "from: after(k)" excludes k). */
export const after = (k: Key): Key => ({ t: k.t, s: k.s + 1 });

export class EventStore {
	private seq = 0;
	private readonly all = new SortedList();
	private readonly byProvider = new Map<ProviderName, SortedList>();
	private readonly byProviderType = new Map<string, SortedList>();
	private readonly byId = new Map<string, Entry>();
	/** Orders under every id a vendor gives them (neutral, Square, Shopify, Toast, PaymentIntent). */
	private readonly orders = new Map<string, Order>();
	private readonly customers = new Map<string, Customer>();
	/** Location ids seen on orders, first-seen order. */
	private readonly locationIds = new Set<string>();

	get size(): number {
		return this.all.items.length;
	}

	/** Adds events; returns how many were new (an event id already held is ignored). */
	add(events: Iterable<SimEvent>): number {
		let added = 0;
		for (const event of events) {
			if (this.byId.has(event.eventId)) continue;
			const t = Date.parse(event.occurredAt);
			if (!Number.isFinite(t)) throw new Error(`event ${event.eventId}: occurredAt is not an ISO date`);
			const entry: Entry = { t, s: ++this.seq, event };
			this.byId.set(event.eventId, entry);
			this.all.insert(entry);
			this.list(this.byProvider, event.provider).insert(entry);
			this.list(this.byProviderType, `${event.provider}\u0000${event.type}`).insert(entry);
			if (event.order) this.indexOrder(event.order);
			added++;
		}
		return added;
	}

	private list<K>(map: Map<K, SortedList>, key: K): SortedList {
		let l = map.get(key);
		if (!l) map.set(key, (l = new SortedList()));
		return l;
	}

	private indexOrder(o: Order): void {
		const v = o.vendorIds;
		for (const id of [o.orderId, v.square, v.squarePayment, String(v.shopify), v.toast, v.stripePaymentIntent]) this.orders.set(id, o);
		this.customers.set(o.customer.vendorIds.square, o.customer);
		this.customers.set(o.customer.id, o.customer);
		this.locationIds.add(o.locationId);
	}

	/** Location ids of the orders held. */
	orderLocationIds(): string[] {
		return [...this.locationIds];
	}

	/** The event types held for a provider (to expand Stripe's "payment_intent.*" wildcards). */
	typesOf(provider: ProviderName): string[] {
		const out: string[] = [];
		for (const key of this.byProviderType.keys()) {
			const [p, type] = key.split('\u0000');
			if (p === provider) out.push(type);
		}
		return out;
	}

	get(eventId: string): Entry | undefined {
		return this.byId.get(eventId);
	}

	order(id: string): Order | undefined {
		return this.orders.get(id);
	}

	customer(id: string): Customer | undefined {
		return this.customers.get(id);
	}

	/** Every order held (one per order, in no particular order). */
	allOrders(): Order[] {
		return [...new Set(this.orders.values())];
	}

	/** All events in key order (for reports and tests; O(n)). */
	entries(): readonly Entry[] {
		return this.all.items;
	}

	countByProvider(): Record<string, number> {
		return Object.fromEntries([...this.byProvider].map(([p, l]) => [p, l.items.length]));
	}

	/** One page: binary search into each candidate list, then a k-way merge in the walking direction. */
	query(q: StoreQuery): StorePage {
		const lists = this.candidateLists(q);
		const limit = Math.max(0, q.limit);
		const asc = q.direction === 'asc';
		// Per list: the index range [lo, hi) within the bounds, and a moving pointer.
		const ranges = lists.map((l) => {
			const lo = q.from ? l.lowerBound(q.from) : 0;
			const hi = q.to ? l.lowerBound(q.to) : l.items.length;
			return { items: l.items, lo, hi, p: asc ? lo : hi - 1 };
		});
		const entries: Entry[] = [];
		let more = false;
		for (;;) {
			let best = -1;
			for (let i = 0; i < ranges.length; i++) {
				const r = ranges[i];
				if (asc ? r.p >= r.hi : r.p < r.lo) continue;
				if (best < 0) best = i;
				else {
					const c = cmp(r.items[r.p], ranges[best].items[ranges[best].p]);
					if (asc ? c < 0 : c > 0) best = i;
				}
			}
			if (best < 0) break;
			const r = ranges[best];
			const entry = r.items[r.p];
			r.p += asc ? 1 : -1;
			if (q.where && !q.where(entry.event)) continue;
			if (entries.length === limit) {
				more = true;
				break;
			}
			entries.push(entry);
		}
		return { entries, more };
	}

	private candidateLists(q: StoreQuery): SortedList[] {
		const providers = q.providers ?? null;
		if (q.types && q.types.length > 0) {
			const out: SortedList[] = [];
			const wanted = new Set(q.types);
			for (const [key, list] of this.byProviderType) {
				const [provider, type] = key.split('\u0000');
				if (wanted.has(type) && (!providers || providers.includes(provider as ProviderName))) out.push(list);
			}
			return out;
		}
		if (!providers) return [this.all];
		return providers.map((p) => this.byProvider.get(p)).filter((l): l is SortedList => l !== undefined);
	}
}
