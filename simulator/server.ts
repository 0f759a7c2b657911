/**
 * The simulated POS's HTTP side: the events APIs the POS node reconciles from (generic, Stripe-shaped,
 * Square-shaped), order look-ups, and the "downstream" endpoints the demo workflow posts loyalty
 * points and SMS to, so the demo can count what each order caused. Plain node:http, loopback only.
 *
 * Event lists are written as strings around each event's stored body text: no parse/stringify per
 * event per page, and the payload a reconciler sees is byte-identical to what the webhook carried.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import {
	generateEvents,
	makeCatalog,
	squareCustomer,
	squareOrder,
	stripePaymentIntent,
	type Catalog,
	type GenerateOptions,
	type Order,
	type SimEvent,
} from './events';
import { isProviderName, SQUARE_API_VERSION, type ProviderName } from './signers';
import { after, atTime, EventStore, type Entry, type Key, type StoreQuery } from './store';

export interface ApiFaults {
	/** Answer this many API requests with 429 + Retry-After before serving normally. */
	rateLimit?: number;
	/** Retry-After value in seconds. Default 1. */
	retryAfterSeconds?: number;
	/** Then answer this many API requests with a 5xx. */
	serverErrors?: number;
	/** Which 5xx. Default 503. */
	serverErrorStatus?: number;
}

export interface SimulatorOptions {
	/** 0 (default) picks a free port. */
	port?: number;
	/** Loopback only by default; the simulator has no business on other interfaces. */
	host?: string;
	/** Bearer token the events APIs require. Default "sim_test_token". */
	apiToken?: string;
	/** Seed for the catalog (merchant, locations, customers) and generated events. Default 1. */
	seed?: number;
	catalog?: Catalog;
	/** Events to hold from the start. */
	events?: Iterable<SimEvent>;
	/** Delay before answering each API request (ms). */
	latencyMs?: number;
	faults?: ApiFaults;
	/** Receives one line per request (e.g. console.log); silent by default. */
	log?: (line: string) => void;
}

export interface DownstreamReport {
	/** Per order id: how many loyalty postings and SMS it caused, and points credited. */
	orders: Record<string, { loyalty: number; sms: number; points: number }>;
	totals: {
		loyaltyPostings: number;
		smsSent: number;
		points: number;
		ordersWithLoyalty: number;
		ordersWithSms: number;
		/** Orders credited more than once / texted more than once (exactly-once violations). */
		ordersWithDuplicateLoyalty: number;
		ordersWithDuplicateSms: number;
		/** Postings refused as malformed (400). */
		invalidPostings: number;
		events: number;
	};
}

export interface ApiStats {
	apiRequests: number;
	rateLimited: number;
	serverErrors: number;
	unauthorized: number;
	byRoute: Record<string, number>;
}

export interface Simulator {
	url: string;
	port: number;
	apiToken: string;
	store: EventStore;
	catalog: Catalog;
	/** Adds events (ignores ids already held); returns how many were new. */
	addEvents(events: Iterable<SimEvent>): number;
	/** Generates events with the simulator's catalog (order numbers continue across calls) and adds them. */
	generate(opts: Omit<GenerateOptions, 'catalog' | 'firstOrderNumber'>): SimEvent[];
	/** Re-arms API fault injection (counters start again from these numbers). */
	setApiFaults(faults: ApiFaults): void;
	setLatency(ms: number): void;
	stats(): ApiStats;
	report(): DownstreamReport;
	resetReport(): void;
	close(): Promise<void>;
}

/** The events API flavours; errors are written in each one's own format. */
type Flavour = 'generic' | 'stripe' | 'square';

/** Providers the generic /events endpoint serves when the request names none (Stripe and Square have their own APIs). */
export const GENERIC_DEFAULT_PROVIDERS: readonly ProviderName[] = ['standardWebhooks', 'custom', 'shopify', 'toast'];

class HttpError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly param?: string,
	) {
		super(message);
	}
}

function errorBody(flavour: Flavour, err: HttpError): unknown {
	if (flavour === 'stripe') {
		const type = err.status >= 500 ? 'api_error' : 'invalid_request_error';
		return { error: { type, code: err.code, message: err.message, ...(err.param ? { param: err.param } : {}) } };
	}
	if (flavour === 'square') {
		const category =
			err.status === 401 ? 'AUTHENTICATION_ERROR' : err.status === 429 ? 'RATE_LIMIT_ERROR' : err.status >= 500 ? 'API_ERROR' : 'INVALID_REQUEST_ERROR';
		return { errors: [{ category, code: err.code, detail: err.message, ...(err.param ? { field: err.param } : {}) }] };
	}
	return { error: err.code, message: err.message };
}

/** Opaque cursors: base64url JSON of the position and the query it belongs to. */
const encodeCursor = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
function decodeCursor<T>(cursor: string, flavour: Flavour): T {
	try {
		return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T;
	} catch {
		throw new HttpError(400, flavour === 'square' ? 'INVALID_CURSOR' : 'invalid_cursor', 'The cursor is not one this API returned');
	}
}

function parseIso(value: string | null | undefined, name: string, flavour: Flavour): number | undefined {
	if (value === null || value === undefined || value === '') return undefined;
	const t = Date.parse(value);
	if (!Number.isFinite(t)) throw new HttpError(400, flavour === 'square' ? 'INVALID_TIME' : 'invalid_parameter', `${name} must be an ISO 8601 date`, name);
	return t;
}

function parseLimit(raw: string | null | undefined, def: number, max: number, flavour: Flavour, strictMax: boolean): number {
	if (raw === null || raw === undefined || raw === '') return def;
	const n = Number(raw);
	if (!Number.isInteger(n) || n < 1 || (strictMax && n > max)) {
		throw new HttpError(
			400,
			flavour === 'stripe' ? 'parameter_invalid_integer' : flavour === 'square' ? 'INVALID_VALUE' : 'invalid_parameter',
			`limit must be an integer between 1 and ${max}`,
			'limit',
		);
	}
	return Math.min(n, max);
}

/** `{"object":"list","data":[...],...}` around stored bodies, without re-serialising them. */
const joinBodies = (entries: readonly Entry[]) => entries.map((e) => e.event.body).join(',');

function neutralOrder(o: Order) {
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

const MAX_BODY = 256 * 1024 * 1024;

function readBody(req: http.IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		req.on('data', (c: Buffer) => {
			size += c.length;
			if (size > MAX_BODY) {
				reject(new HttpError(413, 'too_large', 'Body too large'));
				req.destroy();
			} else chunks.push(c);
		});
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

function parseJson(text: string, flavour: Flavour): unknown {
	try {
		return text === '' ? {} : JSON.parse(text);
	} catch {
		throw new HttpError(400, flavour === 'square' ? 'BAD_REQUEST' : 'invalid_json', 'Body is not valid JSON');
	}
}

/** The later / earlier of two optional keys. */
const maxKey = (a: Key | undefined, b: Key): Key => (!a || b.t > a.t || (b.t === a.t && b.s > a.s) ? b : a);
const minKey = (a: Key | undefined, b: Key): Key => (!a || b.t < a.t || (b.t === a.t && b.s < a.s) ? b : a);

type ArmedFaults = Required<ApiFaults>;
function armFaults(f: ApiFaults = {}): ArmedFaults {
	return {
		rateLimit: Math.max(0, Math.floor(f.rateLimit ?? 0)),
		retryAfterSeconds: f.retryAfterSeconds ?? 1,
		serverErrors: Math.max(0, Math.floor(f.serverErrors ?? 0)),
		serverErrorStatus: f.serverErrorStatus ?? 503,
	};
}

/** "GET /v1/events/:id" style names for the per-route request counts. */
function routeName(method: string | undefined, path: string): string {
	const named = path.replace(/^(\/(?:v1\/|v2\/)?(?:events|orders|payment_intents|customers))\/[^/]+$/, '$1/:id');
	return `${method ?? 'GET'} ${named}`;
}

const asRecord = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const asStringArray = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
	const apiToken = opts.apiToken ?? 'sim_test_token';
	const seed = opts.seed ?? 1;
	const catalog = opts.catalog ?? makeCatalog(seed);
	const store = new EventStore();
	if (opts.events) store.add(opts.events);
	let latencyMs = opts.latencyMs ?? 0;
	let faults = armFaults(opts.faults);
	let nextOrderNumber = 1;
	const stats: ApiStats = { apiRequests: 0, rateLimited: 0, serverErrors: 0, unauthorized: 0, byRoute: {} };
	const downstream = new Map<string, { loyalty: number; sms: number; points: number }>();
	let loyaltyPostings = 0;
	let smsSent = 0;
	let invalidPostings = 0;
	const log = opts.log;

	const reportNow = (): DownstreamReport => {
		const orders = Object.fromEntries(downstream);
		const values = [...downstream.values()];
		return {
			orders,
			totals: {
				loyaltyPostings,
				smsSent,
				points: values.reduce((s, v) => s + v.points, 0),
				ordersWithLoyalty: values.filter((v) => v.loyalty > 0).length,
				ordersWithSms: values.filter((v) => v.sms > 0).length,
				ordersWithDuplicateLoyalty: values.filter((v) => v.loyalty > 1).length,
				ordersWithDuplicateSms: values.filter((v) => v.sms > 1).length,
				invalidPostings,
				events: store.size,
			},
		};
	};

	const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
		const text = typeof body === 'string' ? body : JSON.stringify(body);
		res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
		res.end(text);
	};

	// ------------------------------------------------------------------ generic events API
	interface GenericCursor {
		t: number;
		s: number;
		since?: number;
		until?: number;
		types?: string[];
		providers?: ProviderName[];
	}

	const genericEvents = (u: URL): string => {
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
	};

	// ------------------------------------------------------------------ Stripe-shaped API
	const stripeTypes = (p: URLSearchParams): string[] | undefined => {
		const listed: string[] = [];
		for (const [k, v] of p) if (/^types\[\d*\]$/.test(k)) listed.push(v);
		const single = p.get('type');
		const wanted = single ? [single] : listed;
		if (wanted.length === 0) return undefined;
		if (wanted.length > 20) throw new HttpError(400, 'parameter_invalid_array', 'types may list at most 20 event types', 'types');
		// Stripe accepts "payment_intent.*": expand against the types we hold.
		const known = store.typesOf('stripe');
		return wanted.flatMap((w) => (w.endsWith('.*') ? known.filter((k) => k.startsWith(w.slice(0, -1))) : [w]));
	};

	const stripeList = (u: URL): string => {
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
		const types = stripeTypes(p);
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
	};

	// ------------------------------------------------------------------ Square-shaped API
	interface SquareQuery {
		types?: string[];
		merchants?: string[];
		locations?: string[];
		start?: number;
		end?: number;
		order: 'ASC' | 'DESC';
		limit: number;
	}

	const squareSearch = (bodyText: string): string => {
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
	};

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

	const squareLocations = () => {
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
	};

	// ------------------------------------------------------------------ routing
	const flavourOf = (path: string): Flavour => (path.startsWith('/v1/') ? 'stripe' : path.startsWith('/v2/') ? 'square' : 'generic');

	const handleApi = async (req: http.IncomingMessage, res: http.ServerResponse, u: URL, route: string, flavour: Flavour) => {
		const extra: Record<string, string> = flavour === 'stripe' ? { 'Request-Id': `req_${randomUUID().replace(/-/g, '').slice(0, 14)}` } : {};
		try {
			stats.apiRequests++;
			stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
			const body = req.method === 'POST' ? await readBody(req) : '';
			if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
			if (req.headers.authorization !== `Bearer ${apiToken}`) {
				stats.unauthorized++;
				const message =
					flavour === 'stripe' ? 'Invalid API Key provided.' : flavour === 'square' ? 'This request could not be authorized.' : 'Missing or wrong bearer token';
				throw new HttpError(401, flavour === 'square' ? 'UNAUTHORIZED' : flavour === 'stripe' ? 'invalid_api_key' : 'unauthorized', message);
			}
			if (faults.rateLimit > 0) {
				faults.rateLimit--;
				stats.rateLimited++;
				extra['Retry-After'] = String(faults.retryAfterSeconds);
				throw new HttpError(429, flavour === 'square' ? 'RATE_LIMITED' : flavour === 'stripe' ? 'rate_limit' : 'rate_limited', 'Too many requests; retry after the Retry-After delay');
			}
			if (faults.serverErrors > 0) {
				faults.serverErrors--;
				stats.serverErrors++;
				throw new HttpError(faults.serverErrorStatus, flavour === 'square' ? 'SERVICE_UNAVAILABLE' : 'server_error', 'Simulated server error');
			}
			const path = u.pathname;
			let m: RegExpMatchArray | null;
			if (req.method === 'GET' && path === '/events') return send(res, 200, genericEvents(u), extra);
			if (req.method === 'GET' && (m = path.match(/^\/orders\/([^/]+)$/))) {
				const o = store.order(decodeURIComponent(m[1]));
				if (!o) throw new HttpError(404, 'not_found', `No order ${m[1]}`);
				return send(res, 200, neutralOrder(o), extra);
			}
			if (req.method === 'GET' && path === '/v1/events') return send(res, 200, stripeList(u), extra);
			if (req.method === 'GET' && (m = path.match(/^\/v1\/events\/([^/]+)$/))) {
				const e = store.get(decodeURIComponent(m[1]));
				if (!e || e.event.provider !== 'stripe') throw new HttpError(404, 'resource_missing', `No such event: '${m[1]}'`, 'id');
				return send(res, 200, e.event.body, extra);
			}
			if (req.method === 'GET' && (m = path.match(/^\/v1\/payment_intents\/([^/]+)$/))) {
				const id = decodeURIComponent(m[1]);
				const o = store.order(id);
				if (!o || o.vendorIds.stripePaymentIntent !== id) throw new HttpError(404, 'resource_missing', `No such payment_intent: '${id}'`, 'intent');
				return send(res, 200, stripePaymentIntent(o), extra);
			}
			if (req.method === 'POST' && path === '/v2/events') return send(res, 200, squareSearch(body), extra);
			if (req.method === 'GET' && (m = path.match(/^\/v2\/orders\/([^/]+)$/))) {
				const id = decodeURIComponent(m[1]);
				const o = store.order(id);
				if (!o || o.vendorIds.square !== id) throw new HttpError(404, 'NOT_FOUND', `Could not find order with id ${id}`);
				return send(res, 200, { order: squareOrder(o) }, extra);
			}
			if (req.method === 'GET' && (m = path.match(/^\/v2\/customers\/([^/]+)$/))) {
				const c = store.customer(decodeURIComponent(m[1]));
				if (!c) throw new HttpError(404, 'NOT_FOUND', `Could not find customer ${m[1]}`);
				return send(res, 200, { customer: squareCustomer(c) }, extra);
			}
			if (req.method === 'GET' && path === '/v2/locations') return send(res, 200, squareLocations(), extra);
			throw new HttpError(404, flavour === 'square' ? 'NOT_FOUND' : 'not_found', `No route ${req.method} ${path}`);
		} catch (err) {
			const e = err instanceof HttpError ? err : new HttpError(500, 'internal_error', err instanceof Error ? err.message : String(err));
			return send(res, e.status, errorBody(flavour, e), extra);
		}
	};

	const recordDownstream = (kind: 'loyalty' | 'sms', payload: Record<string, unknown>): string | undefined => {
		const orderId = payload.orderId;
		if (typeof orderId !== 'string' && typeof orderId !== 'number') return 'orderId is required';
		if (kind === 'loyalty') {
			if (typeof payload.points !== 'number' || !Number.isFinite(payload.points)) return 'points must be a number';
			if (!payload.customerId && !payload.customerPhone) return 'customerId or customerPhone is required';
		} else if (typeof payload.to !== 'string' || typeof payload.body !== 'string') return 'to and body are required';
		const key = String(orderId);
		const row = downstream.get(key) ?? { loyalty: 0, sms: 0, points: 0 };
		if (kind === 'loyalty') {
			row.loyalty++;
			row.points += payload.points as number;
			loyaltyPostings++;
		} else {
			row.sms++;
			smsSent++;
		}
		downstream.set(key, row);
		return undefined;
	};

	const addEvents = (events: Iterable<SimEvent>) => store.add(events);
	const generate = (g: Omit<GenerateOptions, 'catalog' | 'firstOrderNumber'>) => {
		const events = generateEvents({ seed, ...g, catalog, firstOrderNumber: nextOrderNumber });
		nextOrderNumber += events.length;
		store.add(events);
		return events;
	};

	const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
		const u = new URL(req.url ?? '/', 'http://127.0.0.1');
		const path = u.pathname;
		const started = Date.now();
		res.on('finish', () => log?.(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`));
		try {
			if (path === '/_health') return send(res, 200, { status: 'ok', events: store.size });
			if (path === '/_report' && req.method === 'GET') return send(res, 200, reportNow());
			if (path === '/_report/reset' && req.method === 'POST') {
				downstream.clear();
				loyaltyPostings = smsSent = invalidPostings = 0;
				return send(res, 200, { status: 'ok' });
			}
			if (path === '/_stats' && req.method === 'GET') return send(res, 200, { ...stats, faultsRemaining: { rateLimit: faults.rateLimit, serverErrors: faults.serverErrors }, latencyMs });
			if (path === '/_faults' && req.method === 'POST') {
				const f = asRecord(parseJson(await readBody(req), 'generic'));
				faults = armFaults(f as ApiFaults);
				if (typeof f.latencyMs === 'number') latencyMs = f.latencyMs;
				return send(res, 200, { status: 'ok', faults, latencyMs });
			}
			if (path === '/_events' && req.method === 'POST') {
				const body = parseJson(await readBody(req), 'generic');
				const rec = asRecord(body);
				if (rec.generate) {
					const g = asRecord(rec.generate);
					if (typeof g.provider !== 'string' || !isProviderName(g.provider)) throw new HttpError(400, 'invalid_parameter', 'generate.provider is required');
					const events = generate({ ...(g as unknown as GenerateOptions), provider: g.provider });
					return send(res, 200, { added: events.length, events: events.map((e) => ({ eventId: e.eventId, type: e.type, occurredAt: e.occurredAt, orderId: e.orderId })) });
				}
				const list = Array.isArray(body) ? body : rec.events;
				if (!Array.isArray(list)) throw new HttpError(400, 'invalid_parameter', 'Send an array of events, {events: [...]}, or {generate: {provider, count}}');
				for (const e of list as SimEvent[]) {
					if (!e || typeof e.eventId !== 'string' || typeof e.type !== 'string' || typeof e.body !== 'string' || typeof e.occurredAt !== 'string' || !isProviderName(String(e.provider))) {
						throw new HttpError(400, 'invalid_parameter', 'Each event needs eventId, provider, type, occurredAt and body (the JSON text)');
					}
				}
				return send(res, 200, { added: store.add(list as SimEvent[]), total: store.size });
			}
			if ((path === '/loyalty' || path === '/sms') && req.method === 'POST') {
				const payload = asRecord(parseJson(await readBody(req), 'generic'));
				const problem = recordDownstream(path === '/loyalty' ? 'loyalty' : 'sms', payload);
				if (problem) {
					invalidPostings++;
					throw new HttpError(400, 'invalid_parameter', problem);
				}
				return send(res, 200, { status: 'ok', id: randomUUID() });
			}
			return await handleApi(req, res, u, routeName(req.method, path), flavourOf(path));
		} catch (err) {
			const e = err instanceof HttpError ? err : new HttpError(500, 'internal_error', err instanceof Error ? err.message : String(err));
			if (!res.headersSent) send(res, e.status, errorBody('generic', e));
		}
	};

	const server = http.createServer((req, res) => void handle(req, res));
	server.keepAliveTimeout = 5000;
	const host = opts.host ?? '127.0.0.1';
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(opts.port ?? 0, host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const port = (server.address() as AddressInfo).port;

	return {
		url: `http://${host}:${port}`,
		port,
		apiToken,
		store,
		catalog,
		addEvents,
		generate,
		setApiFaults(f) {
			faults = armFaults(f);
		},
		setLatency(ms) {
			latencyMs = ms;
		},
		stats: () => ({ ...stats, byRoute: { ...stats.byRoute } }),
		report: reportNow,
		resetReport() {
			downstream.clear();
			loyaltyPostings = smsSent = invalidPostings = 0;
		},
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}
