/**
 * A small local stand-in for the POS APIs the POS node reads, on 127.0.0.1, answering in each
 * vendor's shapes: Stripe (GET /v1/events, newest first, has_more + starting_after), Square
 * (POST /v2/events SearchEvents, cursor), the generic events API (GET /events, next_cursor), and
 * the order look-ups. Faults are injected with `intercept` (called before normal handling).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
	genericRecord,
	squareEvent,
	squareOrder,
	stripeEvent,
	stripePaymentIntent,
	type FixtureEvent,
} from './fixtures';

export interface SeenRequest {
	method: string;
	path: string;
	query: URLSearchParams;
	headers: IncomingMessage['headers'];
	body: unknown;
}

export interface Reply {
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
	/** Close the connection without answering (a network failure). */
	destroy?: boolean;
}

export class FixtureServer {
	readonly stripe: FixtureEvent[] = [];
	readonly square: FixtureEvent[] = [];
	readonly generic: FixtureEvent[] = [];
	/** Generic API records built on demand, or served from here when set (e.g. a custom shape). */
	genericRecordOf: (e: FixtureEvent) => Record<string, unknown> = genericRecord;
	/** Where the generic events API is served. */
	genericPath = '/events';
	readonly orders = new Map<string, Record<string, unknown>>();
	token = 'sk_test_fixture_token';
	readonly requests: SeenRequest[] = [];
	/** Called for every request before normal handling; return a Reply to answer with it instead. */
	intercept?: (req: SeenRequest, index: number) => Reply | undefined;
	private server?: Server;
	baseUrl = '';

	async start(): Promise<string> {
		this.server = createServer((req, res) => {
			this.handle(req, res).catch((error: Error) => {
				res.statusCode = 500;
				res.end(JSON.stringify({ message: error.message }));
			});
		});
		this.server.keepAliveTimeout = 1000;
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		const { port } = this.server.address() as AddressInfo;
		this.baseUrl = `http://127.0.0.1:${port}`;
		return this.baseUrl;
	}

	async stop(): Promise<void> {
		if (!this.server) return;
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server!.close(() => resolve()));
		this.server = undefined;
	}

	/** Requests to one path, e.g. "/v1/events". */
	calls(path: string): SeenRequest[] {
		return this.requests.filter((r) => r.path === path);
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const raw = Buffer.concat(chunks).toString('utf8');
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const seen: SeenRequest = {
			method: req.method ?? 'GET',
			path: url.pathname,
			query: url.searchParams,
			headers: req.headers,
			body: raw === '' ? undefined : JSON.parse(raw),
		};
		const index = this.requests.length;
		this.requests.push(seen);
		const reply = this.intercept?.(seen, index) ?? this.route(seen);
		if (reply.destroy) {
			req.socket.destroy();
			return;
		}
		res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
		res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
	}

	private route(req: SeenRequest): Reply {
		const isSquare = req.path.startsWith('/v2/');
		const isStripe = req.path.startsWith('/v1/');
		if (req.headers.authorization !== `Bearer ${this.token}`) {
			if (isStripe) {
				return {
					status: 401,
					body: {
						error: {
							message: 'Invalid API Key provided: sk_test_****oken',
							type: 'invalid_request_error',
						},
					},
				};
			}
			if (isSquare) {
				return {
					status: 401,
					body: { errors: [{ category: 'AUTHENTICATION_ERROR', code: 'UNAUTHORIZED', detail: 'This request could not be authorized.' }] },
				};
			}
			return { status: 401, body: { message: 'invalid token' } };
		}
		if (req.method === 'GET' && req.path === '/v1/events') return this.stripeList(req);
		if (req.method === 'POST' && req.path === '/v2/events') return this.squareSearch(req);
		if (req.method === 'GET' && req.path === this.genericPath) return this.genericList(req);
		let m = /^\/v1\/payment_intents\/([^/]+)$/.exec(req.path);
		if (req.method === 'GET' && m) {
			const id = decodeURIComponent(m[1]);
			if (id.startsWith('pi_') && !id.includes('missing')) return { status: 200, body: stripePaymentIntent(id) };
			return {
				status: 404,
				body: {
					error: {
						code: 'resource_missing',
						message: `No such payment_intent: '${id}'`,
						param: 'intent',
						type: 'invalid_request_error',
					},
				},
			};
		}
		m = /^\/v2\/orders\/([^/]+)$/.exec(req.path);
		if (req.method === 'GET' && m) {
			const id = decodeURIComponent(m[1]);
			if (!id.includes('missing')) return { status: 200, body: { order: squareOrder(id) } };
			return {
				status: 404,
				body: { errors: [{ category: 'INVALID_REQUEST_ERROR', code: 'NOT_FOUND', detail: `Order \`${id}\` not found.` }] },
			};
		}
		m = /^\/(?:api\/)?orders\/([^/]+)$/.exec(req.path);
		if (req.method === 'GET' && m) {
			const order = this.orders.get(decodeURIComponent(m[1]));
			return order ? { status: 200, body: order } : { status: 404, body: { message: 'order not found' } };
		}
		if (isStripe) {
			return {
				status: 404,
				body: { error: { message: `Unrecognized request URL (${req.method}: ${req.path}).`, type: 'invalid_request_error' } },
			};
		}
		return { status: 404, body: { message: 'not found' } };
	}

	/** Stripe: newest first; created[gte]/[lte] in unix seconds; starting_after = last id of the previous page. */
	private stripeList(req: SeenRequest): Reply {
		const q = req.query;
		const gte = q.has('created[gte]') ? Number(q.get('created[gte]')) : -Infinity;
		const lte = q.has('created[lte]') ? Number(q.get('created[lte]')) : Infinity;
		const limit = Math.min(100, Number(q.get('limit') ?? 10));
		if (!(limit >= 1)) {
			return { status: 400, body: { error: { message: 'Invalid integer: limit', param: 'limit', type: 'invalid_request_error' } } };
		}
		const matching = this.stripe
			.filter((e) => {
				const s = Math.floor(e.createdMs / 1000);
				return s >= gte && s <= lte;
			})
			.sort((a, b) => b.createdMs - a.createdMs || (a.id < b.id ? 1 : -1));
		let start = 0;
		const after = q.get('starting_after');
		if (after) {
			const at = matching.findIndex((e) => e.id === after);
			if (at < 0) {
				return {
					status: 400,
					body: { error: { message: `No such event: '${after}'`, param: 'starting_after', type: 'invalid_request_error' } },
				};
			}
			start = at + 1;
		}
		const page = matching.slice(start, start + limit);
		return {
			status: 200,
			body: { object: 'list', data: page.map(stripeEvent), has_more: start + limit < matching.length, url: '/v1/events' },
		};
	}

	/** Square SearchEvents: start_at inclusive, end_at exclusive, oldest first with sort ASC; opaque cursor. */
	private squareSearch(req: SeenRequest): Reply {
		const body = (req.body ?? {}) as {
			cursor?: string;
			limit?: number;
			query?: { filter?: { created_at?: { start_at?: string; end_at?: string } }; sort?: { field?: string; order?: string } };
		};
		if (req.headers['square-version'] === undefined) {
			return { status: 400, body: { errors: [{ category: 'INVALID_REQUEST_ERROR', code: 'BAD_REQUEST', detail: 'Square-Version missing' }] } };
		}
		const limit = Math.min(100, body.limit ?? 100);
		const range = body.query?.filter?.created_at ?? {};
		const from = range.start_at ? Date.parse(range.start_at) : -Infinity;
		const to = range.end_at ? Date.parse(range.end_at) : Infinity;
		const asc = body.query?.sort?.order !== 'DESC';
		const matching = this.square
			.filter((e) => e.createdMs >= from && e.createdMs < to)
			.sort((a, b) => (asc ? a.createdMs - b.createdMs : b.createdMs - a.createdMs) || (a.id < b.id ? -1 : 1));
		const offset = body.cursor ? Number(Buffer.from(body.cursor, 'base64').toString('utf8').split(':')[1]) : 0;
		const page = matching.slice(offset, offset + limit);
		const next = offset + limit < matching.length ? Buffer.from(`offset:${offset + limit}`).toString('base64') : undefined;
		const out: Record<string, unknown> = {
			events: page.map(squareEvent),
			metadata: page.map((e) => ({ event_id: e.id, api_version: '2025-10-16' })),
		};
		if (next) out.cursor = next;
		if (page.length === 0) delete out.events; // Square leaves empty lists out
		if (page.length === 0) delete out.metadata;
		return { status: 200, body: out };
	}

	/** Generic: since inclusive, until exclusive, oldest first, next_cursor null on the last page. */
	private genericList(req: SeenRequest): Reply {
		const q = req.query;
		const since = q.has('since') ? Date.parse(q.get('since')!) : -Infinity;
		const until = q.has('until') ? Date.parse(q.get('until')!) : Infinity;
		const limit = Math.min(1000, Number(q.get('limit') ?? 100));
		const matching = this.generic.filter((e) => e.createdMs >= since && e.createdMs < until);
		matching.sort((a, b) => a.createdMs - b.createdMs || (a.id < b.id ? -1 : 1));
		const offset = q.get('cursor') ? Number(q.get('cursor')!.slice(2)) : 0;
		const page = matching.slice(offset, offset + limit);
		const next = offset + limit < matching.length ? `c_${offset + limit}` : null;
		return { status: 200, body: { events: page.map((e) => this.genericRecordOf(e)), next_cursor: next } };
	}
}
