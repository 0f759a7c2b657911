/** The Square-shaped API: POST /v2/events (SearchEvents) and GET /v2/locations. */
import type { Catalog, SimEvent } from '../events';
import { SQUARE_API_VERSION } from '../signers';
import { after, atTime, type EventStore, type Key } from '../store';
import { asRecord, asStringArray, decodeCursor, encodeCursor, HttpError, joinBodies, maxKey, minKey, parseIso, parseJson, parseLimit } from './http';

interface SquareQuery {
	types?: string[];
	merchants?: string[];
	locations?: string[];
	start?: number;
	end?: number;
	order: 'ASC' | 'DESC';
	limit: number;
}

/** Square events carry merchant_id in the body; read it without parsing the whole body twice per request. */
const merchantCache = new WeakMap<SimEvent, string>();
function catalogMerchantOf(e: SimEvent): string {
	let m = merchantCache.get(e);
	if (m === undefined) {
		m = e.order?.merchantId ?? String(asRecord(JSON.parse(e.body)).merchant_id ?? '');
		merchantCache.set(e, m);
	}
	return m;
}

export function squareSearch(store: EventStore, bodyText: string): string {
	const body = asRecord(parseJson(bodyText, 'square'));
	let q: SquareQuery;
	let position: Key | undefined;
	if (typeof body.cursor === 'string' && body.cursor) {
		// Square: the cursor continues "your original query"; a limit sent with it still applies.
		const c = decodeCursor<{ t: number; s: number; q: SquareQuery }>(body.cursor, 'square');
		if (!c || typeof c.t !== 'number' || !c.q) throw new HttpError(400, 'INVALID_CURSOR', 'The cursor is not one this API returned', 'cursor');
		q = { ...c.q, limit: body.limit !== undefined ? parseLimit(String(body.limit), 100, 100, 'square', false) : c.q.limit };
		position = { t: c.t, s: c.s };
	} else {
		const query = asRecord(body.query);
		const filter = asRecord(query.filter);
		const sort = asRecord(query.sort);
		const created = asRecord(filter.created_at);
		const order = sort.order === undefined ? 'DESC' : String(sort.order).toUpperCase();
		if (order !== 'ASC' && order !== 'DESC') throw new HttpError(400, 'INVALID_ENUM_VALUE', 'sort.order must be ASC or DESC', 'query.sort.order');
		if (sort.field !== undefined && sort.field !== 'DEFAULT') throw new HttpError(400, 'INVALID_ENUM_VALUE', 'sort.field must be DEFAULT', 'query.sort.field');
		q = {
			types: asStringArray(filter.event_types),
			merchants: asStringArray(filter.merchant_ids),
			locations: asStringArray(filter.location_ids),
			start: parseIso(created.start_at as string | undefined, 'query.filter.created_at.start_at', 'square'),
			end: parseIso(created.end_at as string | undefined, 'query.filter.created_at.end_at', 'square'),
			order,
			limit: parseLimit(body.limit === undefined ? undefined : String(body.limit), 100, 100, 'square', false),
		};
	}
	const merchants = q.merchants?.length ? new Set(q.merchants) : undefined;
	const locations = q.locations?.length ? new Set(q.locations) : undefined;
	const where =
		merchants || locations
			? (e: SimEvent) => (!merchants || merchants.has(catalogMerchantOf(e))) && (!locations || (e.locationId !== null && locations.has(e.locationId)))
			: undefined;
	// created_at range: start inclusive, end exclusive.
	let from = q.start !== undefined ? atTime(q.start) : undefined;
	let to = q.end !== undefined ? atTime(q.end) : undefined;
	if (position && q.order === 'ASC') from = maxKey(from, after(position));
	if (position && q.order === 'DESC') to = minKey(to, position);
	const page = store.query({ providers: ['square'], types: q.types?.length ? q.types : undefined, from, to, direction: q.order === 'ASC' ? 'asc' : 'desc', limit: q.limit, where });
	const last = page.entries[page.entries.length - 1];
	const metadata = page.entries.map((e) => ({ event_id: e.event.eventId, api_version: SQUARE_API_VERSION }));
	const cursor = page.more && last ? `,"cursor":${JSON.stringify(encodeCursor({ t: last.t, s: last.s, q }))}` : '';
	return `{"events":[${joinBodies(page.entries)}],"metadata":${JSON.stringify(metadata)}${cursor}}`;
}

export function squareLocations(catalog: Catalog, store: EventStore) {
	const known = new Map(catalog.locations.map((l) => [l.id, l]));
	const ids = [...new Set([...catalog.locations.map((l) => l.id), ...store.orderLocationIds()])];
	return {
		locations: ids.map((id) => {
			const l = known.get(id);
			return {
				id,
				name: l?.name ?? `Location ${id}`,
				merchant_id: catalog.merchantId,
				status: 'ACTIVE',
				type: 'PHYSICAL',
				timezone: l?.timezone ?? 'America/New_York',
				currency: 'USD',
				country: 'US',
				business_name: 'POS Simulator Bistro',
				capabilities: ['CREDIT_CARD_PROCESSING'],
			};
		}),
	};
}
