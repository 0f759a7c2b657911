/** The generic JSON events API (Standard Webhooks, Custom and the rest) and the neutral order look-up. */
import type { Order } from '../events';
import { isProviderName, type ProviderName } from '../signers';
import { after, atTime, type EventStore, type Key } from '../store';
import { decodeCursor, encodeCursor, HttpError, maxKey, parseIso, parseLimit } from './http';

/** Providers the generic /events endpoint serves when the request names none (Stripe and Square have their own APIs). */
export const GENERIC_DEFAULT_PROVIDERS: readonly ProviderName[] = ['standardWebhooks', 'custom', 'shopify', 'toast'];

interface GenericCursor {
	t: number;
	s: number;
	since?: number;
	until?: number;
	types?: string[];
	providers?: ProviderName[];
}

/** GET /events?since&until&type&provider&limit&cursor -> {events, next_cursor}. */
export function genericEvents(store: EventStore, u: URL): string {
	const p = u.searchParams;
	const limit = parseLimit(p.get('limit'), 100, 1000, 'generic', false);
	const cursor = p.get('cursor') ? decodeCursor<GenericCursor>(p.get('cursor')!, 'generic') : undefined;
	if (cursor && (typeof cursor.t !== 'number' || typeof cursor.s !== 'number')) throw new HttpError(400, 'invalid_cursor', 'The cursor is not one this API returned');
	// Parameters given with the cursor win; otherwise the cursor carries the original query.
	const since = p.has('since') ? parseIso(p.get('since'), 'since', 'generic') : cursor?.since;
	const until = p.has('until') ? parseIso(p.get('until'), 'until', 'generic') : cursor?.until;
	const typeParam = p.getAll('type').flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
	const types = typeParam.length ? typeParam : cursor?.types;
	const providerParam = p.getAll('provider').flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
	for (const name of providerParam) if (!isProviderName(name)) throw new HttpError(400, 'invalid_parameter', `Unknown provider ${name}`, 'provider');
	const providers = (providerParam.length ? providerParam : (cursor?.providers ?? GENERIC_DEFAULT_PROVIDERS)) as ProviderName[];

	let from: Key | undefined = since !== undefined ? atTime(since) : undefined;
	if (cursor) from = maxKey(from, after(cursor));
	const page = store.query({ providers, types, from, to: until !== undefined ? atTime(until) : undefined, direction: 'asc', limit });
	const last = page.entries[page.entries.length - 1];
	const nextCursor = page.more && last ? encodeCursor({ t: last.t, s: last.s, since, until, types, providers } satisfies GenericCursor) : null;
	const items = page.entries.map(
		(e) => `{"id":${JSON.stringify(e.event.eventId)},"type":${JSON.stringify(e.event.type)},"occurred_at":${JSON.stringify(e.event.occurredAt)},"payload":${e.event.body}}`,
	);
	return `{"events":[${items.join(',')}],"next_cursor":${JSON.stringify(nextCursor)}}`;
}

/** GET /orders/:id: an order in no vendor's shape. */
export function neutralOrder(o: Order) {
	return {
		id: o.orderId,
		order_number: o.orderNumber,
		location_id: o.locationId,
		merchant_id: o.merchantId,
		customer: { id: o.customer.id, name: o.customer.name, phone: o.customer.phone, email: o.customer.email },
		line_items: o.lineItems.map((l) => ({ sku: l.sku, name: l.name, quantity: l.quantity, unit_price: l.unitPriceMinor })),
		total: o.totalMinor,
		currency: o.currency,
		created_at: o.createdAt,
		paid_at: o.paidAt,
		vendor_ids: o.vendorIds,
	};
}
