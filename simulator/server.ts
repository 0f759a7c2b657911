/**
 * The simulated POS's HTTP side: the events APIs the POS node reconciles from (generic, Stripe-shaped,
 * Square-shaped), order look-ups, and the "downstream" endpoints the demo workflow posts loyalty
 * points and SMS to, so the demo can count what each order caused. Plain node:http, loopback only.
 *
 * Event lists are written as strings around each event's stored body text: no parse/stringify per
 * event per page, and the payload a reconciler sees is byte-identical to what the webhook carried.
 *
 * This file only assembles the parts, split the way nodes/Pos/transport/ is: api/generic.ts,
 * api/stripe.ts and api/square.ts (one per vendor API), api/index.ts (routing), api/faults.ts
 * (token, latency, injected 429/5xx), api/recorder.ts (the downstream services), api/admin.ts
 * (the simulator's own endpoints) and api/http.ts (what they share).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { generateEvents, makeCatalog, type Catalog, type GenerateOptions, type SimEvent } from './events';
import { handleAdmin } from './api/admin';
import { ApiGate, armFaults, type ApiFaults, type ApiStats } from './api/faults';
import { handleApi } from './api/index';
import { asHttpError, errorBody, send } from './api/http';
import { DownstreamRecorder, type DownstreamReport } from './api/recorder';
import { EventStore } from './store';

export type { ApiFaults, ApiStats } from './api/faults';
export type { DownstreamReport } from './api/recorder';
export { GENERIC_DEFAULT_PROVIDERS } from './api/generic';

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

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
	const apiToken = opts.apiToken ?? 'sim_test_token';
	const seed = opts.seed ?? 1;
	const catalog = opts.catalog ?? makeCatalog(seed);
	const store = new EventStore();
	if (opts.events) store.add(opts.events);
	const gate = new ApiGate(apiToken, opts.faults, opts.latencyMs ?? 0);
	const recorder = new DownstreamRecorder();
	let nextOrderNumber = 1;
	const log = opts.log;

	const addEvents = (events: Iterable<SimEvent>) => store.add(events);
	const generate = (g: Omit<GenerateOptions, 'catalog' | 'firstOrderNumber'>) => {
		const events = generateEvents({ seed, ...g, catalog, firstOrderNumber: nextOrderNumber });
		nextOrderNumber += events.length;
		store.add(events);
		return events;
	};

	const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
		const u = new URL(req.url ?? '/', 'http://127.0.0.1');
		const started = Date.now();
		res.on('finish', () => log?.(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`));
		try {
			if (await handleAdmin(req, res, u.pathname, { store, gate, recorder, generate })) return;
			await handleApi(req, res, u, { store, catalog, gate });
		} catch (err) {
			if (!res.headersSent) {
				const e = asHttpError(err);
				send(res, e.status, errorBody('generic', e));
			}
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
			gate.faults = armFaults(f);
		},
		setLatency(ms) {
			gate.latencyMs = ms;
		},
		stats: () => ({ ...gate.stats, byRoute: { ...gate.stats.byRoute } }),
		report: () => recorder.report(store.size),
		resetReport: () => recorder.reset(),
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}
