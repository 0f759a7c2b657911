/**
 * Realistic events in each vendor's own JSON shape, all built from one neutral order model, so a test
 * can say "order X was paid" once and check what every provider would have sent for it. Each event
 * also keeps a neutral record (id, type, time, location, order, phone, amount) that the demo and the
 * end-to-end tests compare the workflow's output against.
 *
 * Shapes follow the vendors' published examples (Stripe Event + PaymentIntent, Square order.updated /
 * payment.updated, Shopify orders/paid, Toast orders webhook). Only the fields a POS integration
 * commonly reads are filled in; the rest of each vendor object is omitted rather than invented.
 */
import { chance, deriveRng, pick, randInt, randString, randUpperId, randUuid, type Rng } from './rng';
import { SHOPIFY_API_VERSION, SQUARE_API_VERSION, type ProviderName } from './signers';

export const STRIPE_API_VERSION = '2025-01-27.acacia';

/** A restaurant location, with the id each vendor would use for it. */
export interface Location {
	/** Neutral and Square-style id, e.g. "L8RZ3K0X6J2QH". */
	id: string;
	name: string;
	/** Shopify location ids are numbers. */
	shopifyId: number;
	/** Toast restaurant GUID (sent in Toast-Restaurant-External-ID). */
	toastGuid: string;
	timezone: string;
}

export interface Customer {
	id: string;
	name: string;
	/** E.164, fictional (555-01xx numbers). */
	phone: string;
	email: string;
	vendorIds: { stripe: string; square: string; shopify: number; toast: string };
}

export interface LineItem {
	sku: string;
	name: string;
	quantity: number;
	unitPriceMinor: number;
}

/** The neutral order every vendor event is derived from. Amounts in minor units (cents). */
export interface Order {
	orderId: string;
	orderNumber: number;
	locationId: string;
	merchantId: string;
	customer: Customer;
	lineItems: LineItem[];
	totalMinor: number;
	currency: string;
	/** ISO 8601. */
	createdAt: string;
	paidAt: string;
	/** The id each vendor gives this order (and its payment). */
	vendorIds: { stripePaymentIntent: string; stripeCharge: string; square: string; squarePayment: string; shopify: number; toast: string };
}

/** Neutral event kinds; each provider maps them to its own event type (see EVENT_TYPES). */
export type EventKind = 'order.paid' | 'menu.updated' | 'shift.started';

/**
 * The vendor event type for each kind. Absent: the vendor has no such webhook (Stripe and Shopify
 * know no shifts; Toast's labor webhooks are not public), and the generator never draws it.
 */
export const EVENT_TYPES: Record<ProviderName, Partial<Record<EventKind, string>>> = {
	standardWebhooks: { 'order.paid': 'order.paid', 'menu.updated': 'menu.updated', 'shift.started': 'shift.started' },
	custom: { 'order.paid': 'order.paid', 'menu.updated': 'menu.updated', 'shift.started': 'shift.started' },
	stripe: { 'order.paid': 'payment_intent.succeeded', 'menu.updated': 'product.updated' },
	square: { 'order.paid': 'order.updated', 'menu.updated': 'catalog.version.updated', 'shift.started': 'labor.shift.created' },
	shopify: { 'order.paid': 'orders/paid', 'menu.updated': 'products/update' },
	toast: { 'order.paid': 'order_updated', 'menu.updated': 'menus_updated' },
};

export function supportedKinds(provider: ProviderName): EventKind[] {
	return Object.keys(EVENT_TYPES[provider]) as EventKind[];
}

/** What a vendor puts in headers rather than the body; the signer needs it on every attempt. */
export interface DeliveryMeta {
	shopify?: { topic: string; shopDomain: string; apiVersion: string; triggeredAt: string; eventId: string };
	toast?: { eventType: string; restaurantExternalId: string };
}

/** One generated event: the neutral record plus the exact body the vendor would send. */
export interface SimEvent {
	/** The id the receiver de-duplicates on: evt_ (Stripe), event_id (Square), webhook-id (Standard Webhooks), X-Shopify-Webhook-Id, Toast guid, custom id. */
	eventId: string;
	/** The vendor's event type, as the receiver sees it. */
	type: string;
	kind: EventKind;
	/** ISO 8601, the vendor's own event time (what the trigger reports as occurredAt). */
	occurredAt: string;
	/** The location as this vendor names it (Square-style id, Shopify number as text, Toast GUID); null when the event has none. */
	locationId: string | null;
	/** The order id as this vendor's payload carries it; null for non-order events. */
	orderId: string | null;
	customerPhone: string | null;
	amountMinor: number | null;
	provider: ProviderName;
	/** The exact JSON text of the webhook body (sign and send these bytes). */
	body: string;
	meta?: DeliveryMeta;
	/** The neutral order behind an order event (the server answers order look-ups from it). */
	order?: Order;
}

export interface Catalog {
	merchantId: string;
	locations: Location[];
	customers: Customer[];
	shopDomain: string;
}

const FIRST = ['Ava', 'Liam', 'Noah', 'Emma', 'Mia', 'Lucas', 'Zoe', 'Omar', 'Priya', 'Chen', 'Sofia', 'Mateo', 'Yuki', 'Amara', 'Jonas', 'Leila'];
const LAST = ['Garcia', 'Nguyen', 'Smith', 'Okafor', 'Rossi', 'Kim', 'Haddad', 'Novak', 'Silva', 'Patel', 'Moreau', 'Larsen'];
const MENU: ReadonlyArray<{ sku: string; name: string; price: number }> = [
	{ sku: 'BRG-001', name: 'Classic Burger', price: 1250 },
	{ sku: 'FRY-001', name: 'Fries', price: 450 },
	{ sku: 'SAL-001', name: 'Garden Salad', price: 1095 },
	{ sku: 'PIZ-001', name: 'Margherita Pizza', price: 1599 },
	{ sku: 'PAS-001', name: 'Pasta Carbonara', price: 1450 },
	{ sku: 'SOD-001', name: 'Soda', price: 299 },
	{ sku: 'COF-001', name: 'Flat White', price: 375 },
	{ sku: 'CAK-001', name: 'Cheesecake', price: 650 },
];
const LOCATION_NAMES = ['Downtown', 'Harbor', 'Airport', 'Old Town', 'University', 'Riverside'];
const TIMEZONES = ['America/New_York', 'America/Chicago', 'America/Los_Angeles'];

/** Merchant, locations and a customer pool, drawn from the seed (repeat customers earn loyalty over several orders). */
export function makeCatalog(seed: number, opts: { locations?: number; customers?: number; merchantId?: string } = {}): Catalog {
	const rng = deriveRng(seed, 'catalog');
	const locations: Location[] = [];
	const nLoc = Math.max(1, Math.min(opts.locations ?? 3, LOCATION_NAMES.length));
	for (let i = 0; i < nLoc; i++) {
		locations.push({
			id: `L${randUpperId(rng, 12)}`,
			name: `Bistro ${LOCATION_NAMES[i]}`,
			shopifyId: 60000000000 + randInt(rng, 0, 999999999),
			toastGuid: randUuid(rng),
			timezone: TIMEZONES[i % TIMEZONES.length],
		});
	}
	const customers: Customer[] = [];
	for (let i = 0; i < Math.max(1, opts.customers ?? 40); i++) {
		const first = pick(rng, FIRST);
		const last = pick(rng, LAST);
		const area = pick(rng, ['202', '312', '415', '617', '646', '718']);
		customers.push({
			id: `cust_${randString(rng, 12)}`,
			name: `${first} ${last}`,
			// 555-0100..0199 are reserved for fiction: no real phone ever gets a demo SMS.
			phone: `+1${area}55501${String(i % 100).padStart(2, '0')}`,
			email: `${first}.${last}.${i}@example.com`.toLowerCase(),
			vendorIds: {
				stripe: `cus_${randString(rng, 14)}`,
				square: randUpperId(rng, 26),
				shopify: 7000000000000 + randInt(rng, 0, 999999999),
				toast: randUuid(rng),
			},
		});
	}
	return { merchantId: opts.merchantId ?? `M${randUpperId(rng, 12)}`, locations, customers, shopDomain: 'pos-simulator-bistro.myshopify.com' };
}

/** A paid order at `paidAt` (ms since epoch). */
export function makeOrder(rng: Rng, catalog: Catalog, orderNumber: number, paidAt: number, currency = 'USD'): Order {
	const location = pick(rng, catalog.locations);
	const customer = pick(rng, catalog.customers);
	const lines: LineItem[] = [];
	const nLines = randInt(rng, 1, 4);
	for (let i = 0; i < nLines; i++) {
		const item = pick(rng, MENU);
		lines.push({ sku: item.sku, name: item.name, quantity: randInt(rng, 1, 3), unitPriceMinor: item.price });
	}
	const total = lines.reduce((sum, l) => sum + l.quantity * l.unitPriceMinor, 0);
	const createdAt = paidAt - randInt(rng, 5, 40) * 60_000;
	return {
		orderId: `ord_${randString(rng, 20)}`,
		orderNumber,
		locationId: location.id,
		merchantId: catalog.merchantId,
		customer,
		lineItems: lines,
		totalMinor: total,
		currency,
		createdAt: new Date(createdAt).toISOString(),
		paidAt: new Date(paidAt).toISOString(),
		vendorIds: {
			stripePaymentIntent: `pi_3${randString(rng, 23)}`,
			stripeCharge: `ch_3${randString(rng, 23)}`,
			square: randString(rng, 29),
			squarePayment: randString(rng, 29),
			shopify: 5000000000000 + orderNumber * 1000 + randInt(rng, 0, 999),
			toast: randUuid(rng),
		},
	};
}

const money = (minor: number) => (minor / 100).toFixed(2);
const unix = (ms: number) => Math.floor(ms / 1000);
/** Shopify writes times with an offset and no milliseconds. */
const shopifyTime = (ms: number) => new Date(unix(ms) * 1000).toISOString().replace('.000Z', '+00:00');
/** Toast writes "2024-05-01T12:00:00.000+0000". */
const toastTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');
const toastBusinessDate = (ms: number) => Number(new Date(ms).toISOString().slice(0, 10).replace(/-/g, ''));

function locationOf(catalog: Catalog, id: string): Location {
	return catalog.locations.find((l) => l.id === id) ?? catalog.locations[0];
}

/** The location id as each vendor names it. */
export function vendorLocationId(provider: ProviderName, location: Location): string {
	if (provider === 'shopify') return String(location.shopifyId);
	if (provider === 'toast') return location.toastGuid;
	return location.id;
}

export function vendorOrderId(provider: ProviderName, order: Order): string {
	switch (provider) {
		case 'square':
			return order.vendorIds.square;
		case 'shopify':
			return String(order.vendorIds.shopify);
		case 'toast':
			return order.vendorIds.toast;
		default:
			// Stripe has no order object: the POS puts its order id in the PaymentIntent metadata.
			return order.orderId;
	}
}

/** The body every neutral (Standard Webhooks, custom) order event carries in `data`. */
function neutralOrderData(order: Order) {
	return {
		order_id: order.orderId,
		order_number: order.orderNumber,
		location_id: order.locationId,
		customer: { id: order.customer.id, name: order.customer.name, phone: order.customer.phone, email: order.customer.email },
		line_items: order.lineItems.map((l) => ({ sku: l.sku, name: l.name, quantity: l.quantity, unit_price: l.unitPriceMinor })),
		total: order.totalMinor,
		currency: order.currency,
		paid_at: order.paidAt,
	};
}

/** The Stripe PaymentIntent for an order (also served by GET /v1/payment_intents/:id). */
export function stripePaymentIntent(order: Order) {
	const created = unix(Date.parse(order.createdAt));
	return {
		id: order.vendorIds.stripePaymentIntent,
		object: 'payment_intent',
		amount: order.totalMinor,
		amount_capturable: 0,
		amount_received: order.totalMinor,
		capture_method: 'automatic',
		created,
		currency: order.currency.toLowerCase(),
		customer: order.customer.vendorIds.stripe,
		description: `Order #${order.orderNumber}`,
		latest_charge: order.vendorIds.stripeCharge,
		livemode: false,
		metadata: {
			order_id: order.orderId,
			order_number: String(order.orderNumber),
			location_id: order.locationId,
			customer_id: order.customer.id,
			customer_name: order.customer.name,
			customer_phone: order.customer.phone,
		},
		payment_method_types: ['card_present'],
		receipt_email: order.customer.email,
		status: 'succeeded',
	};
}

/** The Square Order object (served by GET /v2/orders/:id). */
export function squareOrder(order: Order, catalog?: Catalog) {
	void catalog;
	const currency = order.currency.toUpperCase();
	return {
		id: order.vendorIds.square,
		location_id: order.locationId,
		reference_id: order.orderId,
		source: { name: 'POS Simulator' },
		customer_id: order.customer.vendorIds.square,
		line_items: order.lineItems.map((l, i) => ({
			uid: `${order.vendorIds.square.slice(0, 8)}-${i}`,
			name: l.name,
			quantity: String(l.quantity),
			catalog_object_id: l.sku,
			base_price_money: { amount: l.unitPriceMinor, currency },
			total_money: { amount: l.unitPriceMinor * l.quantity, currency },
		})),
		total_money: { amount: order.totalMinor, currency },
		total_tax_money: { amount: 0, currency },
		tenders: [{ id: order.vendorIds.squarePayment, type: 'CARD', amount_money: { amount: order.totalMinor, currency }, payment_id: order.vendorIds.squarePayment }],
		state: 'COMPLETED',
		version: 3,
		created_at: order.createdAt,
		updated_at: order.paidAt,
		closed_at: order.paidAt,
	};
}

/** The Square Customer object (served by GET /v2/customers/:id). */
export function squareCustomer(c: Customer) {
	const [given, ...family] = c.name.split(' ');
	return { id: c.vendorIds.square, given_name: given, family_name: family.join(' '), phone_number: c.phone, email_address: c.email, reference_id: c.id };
}

export interface EventOptions {
	/** Event time in ms since epoch. */
	at: number;
	/** Square: send an order event as payment.updated instead of order.updated. */
	squareType?: 'order.updated' | 'payment.updated';
}

/** The webhook event a provider sends when `order` is paid. */
export function orderEvent(provider: ProviderName, order: Order, catalog: Catalog, rng: Rng, opts: EventOptions): SimEvent {
	const at = opts.at;
	const location = locationOf(catalog, order.locationId);
	const base = {
		kind: 'order.paid' as const,
		provider,
		locationId: vendorLocationId(provider, location),
		orderId: vendorOrderId(provider, order),
		customerPhone: order.customer.phone,
		amountMinor: order.totalMinor,
		order,
	};
	switch (provider) {
		case 'standardWebhooks':
		case 'custom': {
			const eventId = provider === 'custom' ? `evt_${randString(rng, 20)}` : `msg_${randString(rng, 27)}`;
			const occurredAt = new Date(at).toISOString();
			// custom senders usually put id and type in the body (the custom preset reads body:id and body:type).
			const body = provider === 'custom'
				? { id: eventId, type: 'order.paid', timestamp: occurredAt, data: neutralOrderData(order) }
				: { type: 'order.paid', timestamp: occurredAt, data: neutralOrderData(order) };
			return { ...base, eventId, type: 'order.paid', occurredAt, body: JSON.stringify(body) };
		}
		case 'stripe': {
			const eventId = `evt_1${randString(rng, 23)}`;
			const body = {
				id: eventId,
				object: 'event',
				api_version: STRIPE_API_VERSION,
				created: unix(at),
				data: { object: stripePaymentIntent(order) },
				livemode: false,
				pending_webhooks: 1,
				request: { id: `req_${randString(rng, 14)}`, idempotency_key: randUuid(rng) },
				type: 'payment_intent.succeeded',
			};
			return { ...base, eventId, type: body.type, occurredAt: new Date(unix(at) * 1000).toISOString(), body: JSON.stringify(body) };
		}
		case 'square': {
			const eventId = randUuid(rng);
			const createdAt = new Date(at).toISOString();
			const type = opts.squareType ?? 'order.updated';
			const currency = order.currency.toUpperCase();
			const data =
				type === 'order.updated'
					? {
							type: 'order',
							id: order.vendorIds.square,
							object: {
								order_updated: {
									order_id: order.vendorIds.square,
									location_id: order.locationId,
									state: 'COMPLETED',
									version: 3,
									created_at: order.createdAt,
									updated_at: order.paidAt,
								},
							},
						}
					: {
							type: 'payment',
							id: order.vendorIds.squarePayment,
							object: {
								payment: {
									id: order.vendorIds.squarePayment,
									order_id: order.vendorIds.square,
									location_id: order.locationId,
									customer_id: order.customer.vendorIds.square,
									amount_money: { amount: order.totalMinor, currency },
									total_money: { amount: order.totalMinor, currency },
									status: 'COMPLETED',
									source_type: 'CARD',
									buyer_email_address: order.customer.email,
									created_at: order.createdAt,
									updated_at: order.paidAt,
									version: 3,
								},
							},
						};
			const body = { merchant_id: order.merchantId, location_id: order.locationId, type, event_id: eventId, created_at: createdAt, data };
			return { ...base, eventId, type, occurredAt: createdAt, body: JSON.stringify(body) };
		}
		case 'shopify': {
			const webhookId = randUuid(rng);
			const [first, ...last] = order.customer.name.split(' ');
			const updatedAt = shopifyTime(at);
			const body = {
				id: order.vendorIds.shopify,
				admin_graphql_api_id: `gid://shopify/Order/${order.vendorIds.shopify}`,
				order_number: 1000 + order.orderNumber,
				name: `#${1000 + order.orderNumber}`,
				email: order.customer.email,
				phone: order.customer.phone,
				created_at: shopifyTime(Date.parse(order.createdAt)),
				processed_at: shopifyTime(Date.parse(order.paidAt)),
				updated_at: updatedAt,
				currency: order.currency,
				presentment_currency: order.currency,
				financial_status: 'paid',
				source_name: 'pos',
				subtotal_price: money(order.totalMinor),
				total_tax: '0.00',
				total_price: money(order.totalMinor),
				location_id: location.shopifyId,
				note_attributes: [{ name: 'pos_order_id', value: order.orderId }],
				customer: { id: order.customer.vendorIds.shopify, email: order.customer.email, phone: order.customer.phone, first_name: first, last_name: last.join(' ') },
				line_items: order.lineItems.map((l, i) => ({ id: order.vendorIds.shopify * 10 + i, title: l.name, sku: l.sku, quantity: l.quantity, price: money(l.unitPriceMinor) })),
			};
			return {
				...base,
				eventId: webhookId,
				type: 'orders/paid',
				occurredAt: new Date(unix(at) * 1000).toISOString(),
				body: JSON.stringify(body),
				meta: { shopify: { topic: 'orders/paid', shopDomain: catalog.shopDomain, apiVersion: SHOPIFY_API_VERSION, triggeredAt: new Date(at).toISOString(), eventId: randUuid(rng) } },
			};
		}
		case 'toast': {
			const guid = randUuid(rng);
			const [first, ...last] = order.customer.name.split(' ');
			const amount = order.totalMinor / 100;
			const timestamp = toastTime(at);
			const body = {
				timestamp,
				eventCategory: 'orders',
				eventType: 'order_updated',
				guid,
				details: {
					order: {
						guid: order.vendorIds.toast,
						entityType: 'Order',
						externalId: order.orderId,
						displayNumber: String(order.orderNumber),
						source: 'In Store',
						openedDate: toastTime(Date.parse(order.createdAt)),
						paidDate: toastTime(Date.parse(order.paidAt)),
						closedDate: toastTime(Date.parse(order.paidAt)),
						modifiedDate: timestamp,
						businessDate: toastBusinessDate(Date.parse(order.paidAt)),
						voided: false,
						checks: [
							{
								guid: randUuid(rng),
								entityType: 'Check',
								displayNumber: String(order.orderNumber),
								amount,
								taxAmount: 0,
								totalAmount: amount,
								paymentStatus: 'PAID',
								customer: { guid: order.customer.vendorIds.toast, firstName: first, lastName: last.join(' '), phone: order.customer.phone, email: order.customer.email },
								selections: order.lineItems.map((l) => ({ guid: randUuid(rng), entityType: 'MenuItemSelection', displayName: l.name, quantity: l.quantity, price: (l.unitPriceMinor * l.quantity) / 100 })),
								payments: [{ guid: randUuid(rng), entityType: 'OrderPayment', type: 'CREDIT', amount, tipAmount: 0, paidDate: toastTime(Date.parse(order.paidAt)) }],
							},
						],
					},
				},
			};
			return {
				...base,
				eventId: guid,
				type: 'order_updated',
				occurredAt: new Date(Date.parse(timestamp.replace('+0000', 'Z'))).toISOString(),
				body: JSON.stringify(body),
				meta: { toast: { eventType: 'order_updated', restaurantExternalId: location.toastGuid } },
			};
		}
	}
}

/** A non-order event (menu changed, shift started), for testing event-type filters. */
export function otherEvent(provider: ProviderName, kind: Exclude<EventKind, 'order.paid'>, catalog: Catalog, rng: Rng, opts: EventOptions): SimEvent {
	const type = EVENT_TYPES[provider][kind];
	if (!type) throw new Error(`${provider} has no ${kind} webhook`);
	const at = opts.at;
	const location = pick(rng, catalog.locations);
	const base = { kind, provider, type, orderId: null, customerPhone: null, amountMinor: null };
	const employee = { id: `emp_${randString(rng, 10)}`, name: `${pick(rng, FIRST)} ${pick(rng, LAST)}` };
	switch (provider) {
		case 'standardWebhooks':
		case 'custom': {
			const eventId = provider === 'custom' ? `evt_${randString(rng, 20)}` : `msg_${randString(rng, 27)}`;
			const occurredAt = new Date(at).toISOString();
			const data =
				kind === 'menu.updated'
					? { location_id: location.id, menu_id: `menu_${randString(rng, 8)}`, items_changed: randInt(rng, 1, 5) }
					: { location_id: location.id, shift_id: `shift_${randString(rng, 12)}`, employee, started_at: occurredAt };
			const body = provider === 'custom' ? { id: eventId, type, timestamp: occurredAt, data } : { type, timestamp: occurredAt, data };
			return { ...base, eventId, occurredAt, locationId: location.id, body: JSON.stringify(body) };
		}
		case 'stripe': {
			const eventId = `evt_1${randString(rng, 23)}`;
			const item = pick(rng, MENU);
			const body = {
				id: eventId,
				object: 'event',
				api_version: STRIPE_API_VERSION,
				created: unix(at),
				data: {
					object: { id: `prod_${randString(rng, 14)}`, object: 'product', active: true, name: item.name, updated: unix(at), livemode: false, metadata: { sku: item.sku, location_id: location.id } },
					previous_attributes: { name: `${item.name} (old)` },
				},
				livemode: false,
				pending_webhooks: 1,
				request: { id: `req_${randString(rng, 14)}`, idempotency_key: randUuid(rng) },
				type,
			};
			return { ...base, eventId, occurredAt: new Date(unix(at) * 1000).toISOString(), locationId: location.id, body: JSON.stringify(body) };
		}
		case 'square': {
			const eventId = randUuid(rng);
			const createdAt = new Date(at).toISOString();
			if (kind === 'menu.updated') {
				// Catalog changes are merchant-wide in Square: no location.
				const body = { merchant_id: catalog.merchantId, type, event_id: eventId, created_at: createdAt, data: { type: 'catalog_version', id: '', object: { catalog_version: { updated_at: createdAt } } } };
				return { ...base, eventId, occurredAt: createdAt, locationId: null, body: JSON.stringify(body) };
			}
			const shiftId = randUpperId(rng, 13);
			const body = {
				merchant_id: catalog.merchantId,
				location_id: location.id,
				type,
				event_id: eventId,
				created_at: createdAt,
				data: { type: 'shift', id: shiftId, object: { shift: { id: shiftId, employee_id: randUpperId(rng, 20), location_id: location.id, start_at: createdAt, status: 'OPEN', timezone: location.timezone, version: 1, created_at: createdAt, updated_at: createdAt } } },
			};
			return { ...base, eventId, occurredAt: createdAt, locationId: location.id, body: JSON.stringify(body) };
		}
		case 'shopify': {
			const item = pick(rng, MENU);
			const productId = 8000000000000 + randInt(rng, 0, 999999999);
			const body = { id: productId, admin_graphql_api_id: `gid://shopify/Product/${productId}`, title: item.name, status: 'active', updated_at: shopifyTime(at), variants: [{ id: productId + 1, sku: item.sku, price: money(item.price) }] };
			return {
				...base,
				eventId: randUuid(rng),
				occurredAt: new Date(unix(at) * 1000).toISOString(),
				locationId: null,
				body: JSON.stringify(body),
				meta: { shopify: { topic: type, shopDomain: catalog.shopDomain, apiVersion: SHOPIFY_API_VERSION, triggeredAt: new Date(at).toISOString(), eventId: randUuid(rng) } },
			};
		}
		case 'toast': {
			const guid = randUuid(rng);
			const timestamp = toastTime(at);
			const body = { timestamp, eventCategory: 'menus', eventType: type, guid, details: { restaurantGuid: location.toastGuid, publishedDate: timestamp } };
			return {
				...base,
				eventId: guid,
				occurredAt: new Date(Date.parse(timestamp.replace('+0000', 'Z'))).toISOString(),
				locationId: location.toastGuid,
				body: JSON.stringify(body),
				meta: { toast: { eventType: type, restaurantExternalId: location.toastGuid } },
			};
		}
	}
}

export interface GenerateOptions {
	provider: ProviderName;
	count: number;
	seed?: number;
	/** Fraction (0..1) of events that are not orders (menu, shift), for event-type filter tests. Default 0. */
	nonOrderRate?: number;
	/** Time of the first event (ms since epoch). Default: `count * spacingMs` before now. Pass it for byte-identical output. */
	startTime?: number;
	/** Mean gap between events. Default 1000 ms. */
	spacingMs?: number;
	currency?: string;
	/** Reuse a catalog (merchant, locations, customers) across calls; default makeCatalog(seed). */
	catalog?: Catalog;
	/** First order number (so several batches do not reuse numbers). Default 1. */
	firstOrderNumber?: number;
	squareType?: 'order.updated' | 'payment.updated';
}

/** `count` events, in time order, deterministic given seed and startTime. */
export function generateEvents(opts: GenerateOptions): SimEvent[] {
	const seed = opts.seed ?? 1;
	const catalog = opts.catalog ?? makeCatalog(seed);
	const rng = deriveRng(seed, `events:${opts.provider}:${opts.firstOrderNumber ?? 1}`);
	const spacing = opts.spacingMs ?? 1000;
	const start = opts.startTime ?? Date.now() - opts.count * spacing;
	const others = supportedKinds(opts.provider).filter((k): k is Exclude<EventKind, 'order.paid'> => k !== 'order.paid');
	const out: SimEvent[] = [];
	let orderNumber = opts.firstOrderNumber ?? 1;
	for (let i = 0; i < opts.count; i++) {
		// Evenly spaced with jitter inside the slot: strictly increasing times, yet not on a grid.
		const at = Math.floor(start + i * spacing + rng() * spacing * 0.9);
		if (others.length > 0 && chance(rng, opts.nonOrderRate ?? 0)) {
			out.push(otherEvent(opts.provider, pick(rng, others), catalog, rng, { at }));
		} else {
			const order = makeOrder(rng, catalog, orderNumber++, at - randInt(rng, 0, 500), opts.currency);
			out.push(orderEvent(opts.provider, order, catalog, rng, { at, squareType: opts.squareType }));
		}
	}
	return out;
}
