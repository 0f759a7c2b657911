/** The Stripe-shaped API: GET /v1/events (newest first, starting_after / ending_before). */
import { after, atTime, type Entry, type EventStore, type StoreQuery } from '../store';
import { HttpError, joinBodies, maxKey, minKey, parseLimit } from './http';

function stripeTypes(store: EventStore, p: URLSearchParams): string[] | undefined {
	const listed: string[] = [];
	for (const [k, v] of p) if (/^types\[\d*\]$/.test(k)) listed.push(v);
	const single = p.get('type');
	const wanted = single ? [single] : listed;
	if (wanted.length === 0) return undefined;
	if (wanted.length > 20) throw new HttpError(400, 'parameter_invalid_array', 'types may list at most 20 event types', 'types');
	// Stripe accepts "payment_intent.*": expand against the types we hold.
	const known = store.typesOf('stripe');
	return wanted.flatMap((w) => (w.endsWith('.*') ? known.filter((k) => k.startsWith(w.slice(0, -1))) : [w]));
}

export function stripeList(store: EventStore, u: URL): string {
	const p = u.searchParams;
	const limit = parseLimit(p.get('limit'), 10, 100, 'stripe', true);
	const sec = (name: string) => {
		const raw = p.get(name);
		if (raw === null || raw === '') return undefined;
		const n = Number(raw);
		if (!Number.isInteger(n)) throw new HttpError(400, 'parameter_invalid_integer', `Invalid integer: ${raw}`, name);
		return n;
	};
	// created is in whole seconds: gte s -> from s*1000; gt s -> from (s+1)*1000; lt s -> to s*1000; lte s -> to (s+1)*1000.
	let fromT: number | undefined;
	let toT: number | undefined;
	const lower = (t: number) => (fromT = fromT === undefined ? t : Math.max(fromT, t));
	const upper = (t: number) => (toT = toT === undefined ? t : Math.min(toT, t));
	const exact = sec('created');
	if (exact !== undefined) {
		lower(exact * 1000);
		upper((exact + 1) * 1000);
	}
	const gte = sec('created[gte]');
	const gt = sec('created[gt]');
	const lte = sec('created[lte]');
	const lt = sec('created[lt]');
	if (gte !== undefined) lower(gte * 1000);
	if (gt !== undefined) lower((gt + 1) * 1000);
	if (lte !== undefined) upper((lte + 1) * 1000);
	if (lt !== undefined) upper(lt * 1000);
	const types = stripeTypes(store, p);
	const base: Omit<StoreQuery, 'direction'> = {
		providers: ['stripe'],
		types,
		from: fromT !== undefined ? atTime(fromT) : undefined,
		to: toT !== undefined ? atTime(toT) : undefined,
		limit,
	};
	const cursorEntry = (name: string) => {
		const id = p.get(name);
		if (!id) return undefined;
		const e = store.get(id);
		if (!e || e.event.provider !== 'stripe') throw new HttpError(400, 'resource_missing', `No such event: '${id}'`, name);
		return e;
	};
	const startingAfter = cursorEntry('starting_after');
	const endingBefore = cursorEntry('ending_before');
	let entries: Entry[];
	let hasMore: boolean;
	if (endingBefore) {
		// The page just newer than the cursor, still presented newest first.
		const page = store.query({ ...base, from: maxKey(base.from, after(endingBefore)), direction: 'asc' });
		entries = page.entries.reverse();
		hasMore = page.more;
	} else {
		const to = startingAfter ? minKey(base.to, startingAfter) : base.to;
		const page = store.query({ ...base, to, direction: 'desc' });
		entries = page.entries;
		hasMore = page.more;
	}
	return `{"object":"list","data":[${joinBodies(entries)}],"has_more":${hasMore},"url":"/v1/events"}`;
}
