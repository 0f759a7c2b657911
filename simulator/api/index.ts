/**
 * Routes one API request to its vendor's module, behind the gate (token, latency, faults), and
 * writes any failure in that vendor's error format.
 */
import type http from 'node:http';
import { randomUUID } from 'node:crypto';

import { squareCustomer, squareOrder, stripePaymentIntent, type Catalog } from '../events';
import type { EventStore } from '../store';
import type { ApiGate } from './faults';
import { genericEvents, neutralOrder } from './generic';
import { asHttpError, errorBody, HttpError, readBody, send, type Flavour } from './http';
import { squareLocations, squareSearch } from './square';
import { stripeList } from './stripe';

export interface ApiContext {
	store: EventStore;
	catalog: Catalog;
	gate: ApiGate;
}

/** "GET /v1/events/:id" style names for the per-route request counts. */
export function routeName(method: string | undefined, path: string): string {
	const named = path.replace(/^(\/(?:v1\/|v2\/)?(?:events|orders|payment_intents|customers))\/[^/]+$/, '$1/:id');
	return `${method ?? 'GET'} ${named}`;
}

export const flavourOf = (path: string): Flavour => (path.startsWith('/v1/') ? 'stripe' : path.startsWith('/v2/') ? 'square' : 'generic');

export async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, u: URL, ctx: ApiContext): Promise<void> {
	const { store, gate } = ctx;
	const path = u.pathname;
	const flavour = flavourOf(path);
	const extra: Record<string, string> = flavour === 'stripe' ? { 'Request-Id': `req_${randomUUID().replace(/-/g, '').slice(0, 14)}` } : {};
	try {
		gate.count(routeName(req.method, path));
		const body = req.method === 'POST' ? await readBody(req) : '';
		await gate.delay();
		gate.check(req, flavour, extra);
		let m: RegExpMatchArray | null;
		// Generic
		if (req.method === 'GET' && path === '/events') return send(res, 200, genericEvents(store, u), extra);
		if (req.method === 'GET' && (m = path.match(/^\/orders\/([^/]+)$/))) {
			const o = store.order(decodeURIComponent(m[1]));
			if (!o) throw new HttpError(404, 'not_found', `No order ${m[1]}`);
			return send(res, 200, neutralOrder(o), extra);
		}
		// Stripe
		if (req.method === 'GET' && path === '/v1/events') return send(res, 200, stripeList(store, u), extra);
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
		// Square
		if (req.method === 'POST' && path === '/v2/events') return send(res, 200, squareSearch(store, body), extra);
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
		if (req.method === 'GET' && path === '/v2/locations') return send(res, 200, squareLocations(ctx.catalog, store), extra);
		throw new HttpError(404, flavour === 'square' ? 'NOT_FOUND' : 'not_found', `No route ${req.method} ${path}`);
	} catch (err) {
		const e = asHttpError(err);
		return send(res, e.status, errorBody(flavour, e), extra);
	}
}
