/**
 * The simulator's own endpoints (underscore paths): health, the downstream report, API stats,
 * re-arming faults, adding or generating events; and the downstream services themselves
 * (POST /loyalty, POST /sms). Returns false for any other path (the vendor APIs).
 */
import type http from 'node:http';
import { randomUUID } from 'node:crypto';

import type { GenerateOptions, SimEvent } from '../events';
import { isProviderName } from '../signers';
import type { EventStore } from '../store';
import { armFaults, type ApiFaults, type ApiGate } from './faults';
import { asRecord, HttpError, parseJson, readBody, send } from './http';
import type { DownstreamRecorder } from './recorder';

export interface AdminContext {
	store: EventStore;
	gate: ApiGate;
	recorder: DownstreamRecorder;
	generate(opts: Omit<GenerateOptions, 'catalog' | 'firstOrderNumber'>): SimEvent[];
}

export async function handleAdmin(req: http.IncomingMessage, res: http.ServerResponse, path: string, ctx: AdminContext): Promise<boolean> {
	const { store, gate, recorder } = ctx;
	if (path === '/_health') return (send(res, 200, { status: 'ok', events: store.size }), true);
	if (path === '/_report' && req.method === 'GET') return (send(res, 200, recorder.report(store.size)), true);
	if (path === '/_report/reset' && req.method === 'POST') {
		recorder.reset();
		return (send(res, 200, { status: 'ok' }), true);
	}
	if (path === '/_stats' && req.method === 'GET') {
		const faultsRemaining = { rateLimit: gate.faults.rateLimit, serverErrors: gate.faults.serverErrors };
		return (send(res, 200, { ...gate.stats, faultsRemaining, latencyMs: gate.latencyMs }), true);
	}
	if (path === '/_faults' && req.method === 'POST') {
		const f = asRecord(parseJson(await readBody(req), 'generic'));
		gate.faults = armFaults(f as ApiFaults);
		if (typeof f.latencyMs === 'number') gate.latencyMs = f.latencyMs;
		return (send(res, 200, { status: 'ok', faults: gate.faults, latencyMs: gate.latencyMs }), true);
	}
	if (path === '/_events' && req.method === 'POST') {
		const body = parseJson(await readBody(req), 'generic');
		const rec = asRecord(body);
		if (rec.generate) {
			const g = asRecord(rec.generate);
			if (typeof g.provider !== 'string' || !isProviderName(g.provider)) throw new HttpError(400, 'invalid_parameter', 'generate.provider is required');
			const events = ctx.generate({ ...(g as unknown as GenerateOptions), provider: g.provider });
			send(res, 200, { added: events.length, events: events.map((e) => ({ eventId: e.eventId, type: e.type, occurredAt: e.occurredAt, orderId: e.orderId })) });
			return true;
		}
		const list = Array.isArray(body) ? body : rec.events;
		if (!Array.isArray(list)) throw new HttpError(400, 'invalid_parameter', 'Send an array of events, {events: [...]}, or {generate: {provider, count}}');
		for (const e of list as SimEvent[]) {
			if (!e || typeof e.eventId !== 'string' || typeof e.type !== 'string' || typeof e.body !== 'string' || typeof e.occurredAt !== 'string' || !isProviderName(String(e.provider))) {
				throw new HttpError(400, 'invalid_parameter', 'Each event needs eventId, provider, type, occurredAt and body (the JSON text)');
			}
		}
		send(res, 200, { added: store.add(list as SimEvent[]), total: store.size });
		return true;
	}
	if ((path === '/loyalty' || path === '/sms') && req.method === 'POST') {
		const payload = asRecord(parseJson(await readBody(req), 'generic'));
		const problem = recorder.record(path === '/loyalty' ? 'loyalty' : 'sms', payload);
		if (problem) throw new HttpError(400, 'invalid_parameter', problem);
		send(res, 200, { status: 'ok', id: randomUUID() });
		return true;
	}
	return false;
}
