/**
 * At-least-once webhook delivery, the way each vendor does it: the vendor's retry schedule (scaled
 * down by `timeScale` so hours become milliseconds in tests), the vendor's answer handling (2xx
 * stops, Standard Webhooks' 410 disables the endpoint, anything else retries), and the vendor's
 * re-signing per attempt. On top, seeded fault injection: drops, later and concurrent duplicates,
 * delays, reordering, forgeries and replays. Every fault decision is drawn before any request is
 * sent, from PRNG streams that do not depend on network timing, so the counts are reproducible.
 */
import http from 'node:http';
import https from 'node:https';
import { chance, deriveRng, pick, randInt } from './rng';
import type { SimEvent } from './events';
import {
	forgeRequest,
	forgeryKindsFor,
	signRequest,
	signsTimestamp,
	type CustomScheme,
	type ForgeryKind,
	type ProviderName,
	type SignOptions,
	type SignedRequest,
} from './signers';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

/** Doubling delays from `first` whose sum is exactly `horizon` (the last one is shortened). */
function exponentialUpTo(first: number, horizon: number): number[] {
	const out: number[] = [];
	let sum = 0;
	for (let d = first; sum < horizon; d *= 2) {
		const step = Math.min(d, horizon - sum);
		out.push(step);
		sum += step;
	}
	return out;
}

/**
 * Delays between attempts (after the immediate first one), in real vendor time.
 * Standard Webhooks / Svix: as published. Stripe: "up to 3 days with exponential backoff". Square:
 * "up to 24 hours". Shopify: "8 tries over 4 hours" (7 retries summing to 4 h). Toast: 5 then 10 min.
 */
export const RETRY_DELAYS_MS: Record<ProviderName, readonly number[]> = {
	standardWebhooks: [5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H],
	stripe: exponentialUpTo(1 * M, 72 * H),
	square: exponentialUpTo(1 * M, 24 * H),
	shopify: [2 * M, 4 * M, 8 * M, 15 * M, 30 * M, 60 * M, 121 * M],
	toast: [5 * M, 10 * M],
	custom: [5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H],
};

/**
 * How long the vendor waits for an answer (real time, never scaled). Svix: 15 s; Shopify: 5 s;
 * Toast: 2 s connect + 2 s socket (we use 2 s for the whole answer, the stricter reading); Stripe
 * and Square do not publish one (10 s assumed).
 */
export const REQUEST_TIMEOUT_MS: Record<ProviderName, number> = {
	standardWebhooks: 15 * S,
	stripe: 10 * S,
	square: 10 * S,
	shopify: 5 * S,
	toast: 2 * S,
	custom: 15 * S,
};

export interface DeliveryTarget {
	/** Where the requests go (the receiver, e.g. an n8n webhook URL). */
	url: string;
	provider: ProviderName;
	/** Signing secret(s), current first (several = a rotation in progress where the scheme allows). */
	secrets: string | readonly string[];
	/** Square signs the notification URL as registered; default `url`. Also the custom {url}. */
	notificationUrl?: string;
	custom?: CustomScheme;
}

export interface FaultOptions {
	/** Probability (0..1) that an event is never sent by webhook (only reconciliation can recover it). */
	drop?: number;
	/** Probability that a delivered event is sent again later (re-signed as a vendor retry). */
	duplicate?: number;
	/** How long after success the later duplicate goes (real ms). Default 50. */
	duplicateDelayMs?: number;
	/** Probability that the first attempt goes as several simultaneous copies. */
	concurrentDuplicate?: number;
	/** Copies sent at once for a concurrent duplicate (including the original). Default 3. */
	concurrentCopies?: number;
	/** Fixed extra wait before an event's first attempt (real ms). */
	delayMs?: number;
	/** Uniform random extra wait in [0, jitterMs) before an event's first attempt (real ms). */
	jitterMs?: number;
	/** Probability that an event is moved later in the sending order (by up to `reorderWindow` places). */
	reorder?: number;
	reorderWindow?: number;
	/** Probability that a forged request accompanies an event (sent just before its first attempt). */
	forge?: number;
	/** Which forgeries to draw from; default all that apply to the provider. */
	forgeryKinds?: readonly ForgeryKind[];
	/** Probability that a delivered event's captured request is replayed later. */
	replay?: number;
	/** Of the replays, the fraction made stale (signed `replayAgeSeconds` ago) where the provider signs a time. Default 0.5. */
	staleReplayFraction?: number;
	/** Age of a stale replay's signature. Default 600 s (tolerance is 300 s). */
	replayAgeSeconds?: number;
	/** How long after delivery a replay goes (real ms). Default 100. */
	replayDelayMs?: number;
}

export interface DeliveryOptions extends DeliveryTarget {
	events: readonly SimEvent[];
	/** Seed for the fault decisions. Default 1. */
	seed?: number;
	faults?: FaultOptions;
	/** Multiplies the vendor retry delays: 1 = real time, 0.001 = an hour in 3.6 s. Default 1. */
	timeScale?: number;
	/** Override the vendor retry delays (unscaled ms between attempts). */
	retryDelaysMs?: readonly number[];
	/** Answer timeout per request (real ms). Default: the vendor's (REQUEST_TIMEOUT_MS). */
	requestTimeoutMs?: number;
	/** Requests in flight at once. Default 8. */
	concurrency?: number;
	/** Gap between starting consecutive events (real ms), to spread a run over time. Default 0. */
	intervalMs?: number;
	/** Keep the headers of every request in the report (memory-heavy for big runs). */
	recordHeaders?: boolean;
	/** Called after each request's answer (progress output, live assertions). */
	onRequest?: (record: RequestRecord) => void;
	/** Stop early: pending attempts are abandoned and reported as 'aborted'. */
	signal?: AbortSignal;
	/** Clock (ms) for signing timestamps; default Date.now. Tests use it to make per-attempt timestamps differ. */
	clock?: () => number;
}

export type RequestKind = 'attempt' | 'concurrentDuplicate' | 'duplicate' | 'forgery' | 'replay';

/** What a well-behaved receiver should answer: 2xx, or 401, or 2xx but not "accepted". */
export type Expectation = 'deliver' | 'reject401' | 'duplicate2xx';

export interface RequestRecord {
	kind: RequestKind;
	eventId: string;
	/** Vendor attempt number (1 = first try). Forgeries and replays carry the attempt they imitate. */
	attempt: number;
	forgery?: ForgeryKind;
	/** Replays: signed long enough ago to be outside the tolerance. */
	stale?: boolean;
	expected: Expectation;
	sentAt: string;
	durationMs: number;
	/** HTTP status, or null when there was none (timeout, connection error). */
	status: number | null;
	error?: 'timeout' | string;
	/** The parsed JSON answer (our receiver answers {status: 'accepted'|'duplicate'|...}), else null. */
	reply: unknown;
	/** reply.status when the answer is JSON with a string status. */
	replyStatus?: string;
	/** First 200 characters of an answer that is not JSON. */
	replyText?: string;
	/** Whether the answer matched `expected`. */
	ok: boolean;
	headers?: Record<string, string>;
}

export type EventOutcome = 'delivered' | 'dropped' | 'gaveUp' | 'disabled' | 'aborted';

export interface EventDeliveryReport {
	eventId: string;
	type: string;
	orderId: string | null;
	occurredAt: string;
	outcome: EventOutcome;
	/** The vendor's own attempts (first try and retries, including concurrent copies). */
	attempts: RequestRecord[];
	/** Later duplicates, replays and forgeries tied to this event. */
	extra: RequestRecord[];
	/** How many answers said "accepted" for this event id (exactly-once means 1 for delivered events). */
	acceptedCount: number;
}

export interface DeliveryTotals {
	events: number;
	delivered: number;
	dropped: number;
	gaveUp: number;
	disabled: number;
	aborted: number;
	requests: number;
	attempts: number;
	retries: number;
	timeouts: number;
	networkErrors: number;
	duplicatesSent: number;
	concurrentDuplicatesSent: number;
	forgeriesSent: number;
	forgeriesRejected: number;
	forgeriesAccepted: number;
	forgeriesByKind: Partial<Record<ForgeryKind, { sent: number; rejected: number }>>;
	replaysSent: number;
	staleReplaysSent: number;
	staleReplaysRejected: number;
	freshReplaysSent: number;
	freshReplaysAnsweredDuplicate: number;
	/** Answers per reply.status over every request ('none' when the answer had no JSON status). */
	replies: Record<string, number>;
	/** Answers per HTTP status ('timeout' and 'error' when there was none). */
	statuses: Record<string, number>;
	/** Events whose id was answered "accepted" more than once (an exactly-once violation). */
	eventsAcceptedMoreThanOnce: number;
	/** Requests whose answer did not match what a correct receiver says. */
	unexpected: number;
}

export interface DeliveryReport {
	provider: ProviderName;
	url: string;
	seed: number;
	timeScale: number;
	startedAt: string;
	finishedAt: string;
	durationMs: number;
	/** Standard Webhooks only: the receiver answered 410, so the endpoint was disabled. */
	endpointDisabled: boolean;
	events: EventDeliveryReport[];
	totals: DeliveryTotals;
}

/** The fault decisions for one event, drawn up front. */
export interface EventPlan {
	index: number;
	drop: boolean;
	duplicate: boolean;
	/** Copies of the first attempt sent at once (1 = no concurrent duplicate). */
	copies: number;
	delayMs: number;
	forgery: ForgeryKind | null;
	replay: null | { stale: boolean };
}

export interface FaultPlan {
	plans: EventPlan[];
	/** Indexes into events, in sending order (reordering applied). */
	order: number[];
}

/**
 * Draws every fault decision from the seed. Each concern has its own PRNG stream, so changing one
 * rate does not reshuffle the others.
 */
export function planFaults(count: number, provider: ProviderName, faults: FaultOptions = {}, seed = 1, custom?: CustomScheme): FaultPlan {
	const r = (label: string) => deriveRng(seed, `faults:${label}`);
	const [dropR, dupR, concR, delayR, forgeR, replayR, reorderR] = ['drop', 'dup', 'conc', 'delay', 'forge', 'replay', 'reorder'].map(r);
	const kinds = (faults.forgeryKinds ?? forgeryKindsFor(provider, custom)).filter((k) => forgeryKindsFor(provider, custom).includes(k));
	const canBeStale = signsTimestamp(provider, custom);
	const plans: EventPlan[] = [];
	for (let i = 0; i < count; i++) {
		const jitter = delayR() * (faults.jitterMs ?? 0);
		const forge = chance(forgeR, faults.forge ?? 0) && kinds.length > 0;
		const forgery = forge ? pick(forgeR, kinds) : null;
		const replay = chance(replayR, faults.replay ?? 0);
		const stale = replayR() < (faults.staleReplayFraction ?? 0.5);
		plans.push({
			index: i,
			drop: chance(dropR, faults.drop ?? 0),
			duplicate: chance(dupR, faults.duplicate ?? 0),
			copies: chance(concR, faults.concurrentDuplicate ?? 0) ? Math.max(2, faults.concurrentCopies ?? 3) : 1,
			delayMs: (faults.delayMs ?? 0) + jitter,
			forgery,
			replay: replay ? { stale: canBeStale && stale } : null,
		});
	}
	const order = plans.map((_, i) => i);
	const window = Math.max(1, faults.reorderWindow ?? 10);
	for (let i = 0; i < order.length; i++) {
		if (chance(reorderR, faults.reorder ?? 0)) {
			const j = Math.min(order.length - 1, i + randInt(reorderR, 1, window));
			[order[i], order[j]] = [order[j], order[i]];
		}
	}
	return { plans, order };
}

/** A FIFO counting semaphore: bounds requests in flight, not events waiting for a retry. */
class Semaphore {
	private waiting: Array<() => void> = [];
	private head = 0;
	constructor(private free: number) {}
	async acquire(): Promise<void> {
		if (this.free > 0) {
			this.free--;
			return;
		}
		await new Promise<void>((resolve) => this.waiting.push(resolve));
	}
	release(): void {
		if (this.head < this.waiting.length) {
			const next = this.waiting[this.head++];
			if (this.head > 1024 && this.head * 2 > this.waiting.length) {
				this.waiting = this.waiting.slice(this.head);
				this.head = 0;
			}
			next();
		} else this.free++;
	}
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	if (ms <= 0 || signal?.aborted) return Promise.resolve();
	return new Promise((resolve) => {
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			signal?.removeEventListener('abort', done);
			resolve();
		}
		signal?.addEventListener('abort', done, { once: true });
	});
}

export interface PostResult {
	status: number | null;
	error?: string;
	reply: unknown;
	replyText?: string;
	durationMs: number;
}

/** POSTs the exact bytes with the given headers; never throws. */
export function postRequest(url: string, req: SignedRequest, timeoutMs: number, agent?: http.Agent): Promise<PostResult> {
	const started = performance.now();
	const body = Buffer.from(req.body, 'utf8');
	const u = new URL(url);
	const mod = u.protocol === 'https:' ? https : http;
	return new Promise((resolve) => {
		let settled = false;
		const finish = (r: Omit<PostResult, 'durationMs'>) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			resolve({ ...r, durationMs: Math.round((performance.now() - started) * 100) / 100 });
		};
		const request = mod.request(
			u,
			{ method: 'POST', headers: { ...req.headers, 'Content-Length': String(body.length) }, agent: u.protocol === 'https:' ? undefined : agent },
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (c: Buffer) => chunks.push(c));
				res.on('error', () => finish({ status: res.statusCode ?? null, error: 'response_error', reply: null }));
				res.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					let reply: unknown = null;
					let replyText: string | undefined;
					try {
						reply = text ? JSON.parse(text) : null;
					} catch {
						replyText = text.slice(0, 200);
					}
					finish({ status: res.statusCode ?? null, reply, replyText });
				});
			},
		);
		// A total deadline (not an idle timeout): the vendor gives up after this long, whatever trickles in.
		const timer = setTimeout(() => {
			finish({ status: null, error: 'timeout', reply: null });
			request.destroy();
		}, timeoutMs);
		request.on('error', (err: NodeJS.ErrnoException) => finish({ status: null, error: err.code ?? err.message, reply: null }));
		request.end(body);
	});
}

/** The SignOptions a vendor uses for one attempt of one event. */
export function signOptionsFor(event: SimEvent, target: DeliveryTarget, attempt: number, timestamp?: number): SignOptions {
	return {
		body: event.body,
		secrets: target.secrets,
		id: event.eventId,
		url: target.notificationUrl ?? target.url,
		timestamp,
		custom: target.custom,
		shopify: event.meta?.shopify,
		toast: event.meta?.toast ? { ...event.meta.toast, attemptNumber: attempt } : { attemptNumber: attempt },
	};
}

/**
 * Signs attempt `attempt` of an event as the vendor does: Standard Webhooks, Stripe and custom sign
 * a fresh timestamp each time; Square and Shopify resend the same bytes and signature; Toast resends
 * the same signature with Toast-Attempt-Number counting up.
 */
export function signAttempt(event: SimEvent, target: DeliveryTarget, attempt: number, nowSeconds = Math.floor(Date.now() / 1000)): SignedRequest {
	const p = target.provider;
	const fresh = p === 'standardWebhooks' || p === 'stripe' || p === 'custom';
	return signRequest(p, signOptionsFor(event, target, attempt, fresh ? nowSeconds : undefined));
}

const replyStatusOf = (reply: unknown): string | undefined =>
	reply && typeof reply === 'object' && typeof (reply as { status?: unknown }).status === 'string' ? (reply as { status: string }).status : undefined;

const is2xx = (s: number | null) => s !== null && s >= 200 && s < 300;

function meets(expected: Expectation, status: number | null, replyStatus: string | undefined): boolean {
	if (expected === 'reject401') return status === 401;
	if (expected === 'duplicate2xx') return is2xx(status) && replyStatus !== 'accepted';
	return is2xx(status);
}

/** Delivers the events; resolves with the full report once every attempt, duplicate and replay is done. */
export async function deliver(opts: DeliveryOptions): Promise<DeliveryReport> {
	const started = Date.now();
	const seed = opts.seed ?? 1;
	const timeScale = opts.timeScale ?? 1;
	const provider = opts.provider;
	const faults = opts.faults ?? {};
	const delays = opts.retryDelaysMs ?? RETRY_DELAYS_MS[provider];
	const timeoutMs = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS[provider];
	const concurrency = Math.max(1, opts.concurrency ?? 8);
	const sem = new Semaphore(concurrency);
	const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency + 4 });
	const { plans, order } = planFaults(opts.events.length, provider, faults, seed, opts.custom);
	const signal = opts.signal;
	const nowSeconds = () => Math.floor((opts.clock ? opts.clock() : Date.now()) / 1000);
	let endpointDisabled = false;

	const reports: EventDeliveryReport[] = opts.events.map((e, i) => ({
		eventId: e.eventId,
		type: e.type,
		orderId: e.orderId,
		occurredAt: e.occurredAt,
		// Until its life runs, an event counts as aborted (what it stays if the signal fires first).
		outcome: plans[i].drop ? 'dropped' : 'aborted',
		attempts: [],
		extra: [],
		acceptedCount: 0,
	}));

	/**
	 * Sends one request once a concurrency slot is free. `cancelled` is checked again after the wait:
	 * an endpoint disabled (410) or a run aborted while this request queued must not see it go out.
	 */
	const send = async (
		req: SignedRequest,
		meta: Omit<RequestRecord, 'sentAt' | 'durationMs' | 'status' | 'reply' | 'ok'>,
		cancelled?: () => boolean,
	): Promise<RequestRecord | null> => {
		await sem.acquire();
		if (cancelled?.()) {
			sem.release();
			return null;
		}
		const sentAt = new Date().toISOString();
		let result: PostResult;
		try {
			result = await postRequest(opts.url, req, timeoutMs, agent);
			// Svix: 410 Gone means "stop sending to this endpoint", for every event. Noted before the
			// slot is released, so no queued request slips out after it.
			if (provider === 'standardWebhooks' && result.status === 410 && (meta.kind === 'attempt' || meta.kind === 'concurrentDuplicate')) {
				endpointDisabled = true;
			}
		} finally {
			sem.release();
		}
		const replyStatus = replyStatusOf(result.reply);
		const record: RequestRecord = {
			...meta,
			sentAt,
			durationMs: result.durationMs,
			status: result.status,
			...(result.error ? { error: result.error } : {}),
			reply: result.reply,
			...(replyStatus !== undefined ? { replyStatus } : {}),
			...(result.replyText !== undefined ? { replyText: result.replyText } : {}),
			ok: meets(meta.expected, result.status, replyStatus),
			...(opts.recordHeaders ? { headers: req.headers } : {}),
		};
		opts.onRequest?.(record);
		return record;
	};

	/** One event's whole life: forgery, attempts with retries, then duplicate and replay. */
	const runEvent = async (index: number, startDelay: number) => {
		const event = opts.events[index];
		const plan = plans[index];
		const report = reports[index];
		await sleep(startDelay + plan.delayMs, signal);
		const extras: Array<Promise<void>> = [];

		if (plan.forgery) {
			const kind = plan.forgery;
			// Sent first: if a receiver let it in, the genuine delivery would then look like a duplicate.
			const forged = forgeRequest(kind, provider, signOptionsFor(event, opts, 1, signsTimestamp(provider, opts.custom) ? nowSeconds() : undefined));
			const record = await send(forged, { kind: 'forgery', eventId: event.eventId, attempt: 1, forgery: kind, expected: 'reject401' }, () => !!signal?.aborted);
			if (record) report.extra.push(record);
		}
		if (plan.drop) return;

		let captured: SignedRequest | undefined;
		for (let attempt = 1; attempt <= delays.length + 1; attempt++) {
			if (signal?.aborted) {
				report.outcome = 'aborted';
				return;
			}
			if (endpointDisabled) {
				report.outcome = 'disabled';
				return;
			}
			const req = signAttempt(event, opts, attempt, nowSeconds());
			const stop = () => endpointDisabled || !!signal?.aborted;
			const records = (
				await Promise.all(
					Array.from({ length: attempt === 1 ? plan.copies : 1 }, (_, c) =>
						send(req, { kind: c === 0 ? 'attempt' : 'concurrentDuplicate', eventId: event.eventId, attempt, expected: 'deliver' }, stop),
					),
				)
			).filter((r): r is RequestRecord => r !== null);
			report.attempts.push(...records);
			if (records.length === 0) {
				report.outcome = signal?.aborted ? 'aborted' : 'disabled';
				return;
			}
			if (records.some((r) => is2xx(r.status))) {
				report.outcome = 'delivered';
				captured = req;
				break;
			}
			if (endpointDisabled) {
				report.outcome = 'disabled';
				return;
			}
			if (attempt === delays.length + 1) {
				report.outcome = 'gaveUp';
				return;
			}
			await sleep(delays[attempt - 1] * timeScale, signal);
		}
		if (!captured) return;

		if (plan.duplicate) {
			extras.push(
				(async () => {
					await sleep(faults.duplicateDelayMs ?? 50, signal);
					if (signal?.aborted) return;
					// The vendor's next attempt number (concurrent copies share one number).
					const attempt = report.attempts[report.attempts.length - 1].attempt + 1;
					const req = signAttempt(event, opts, attempt, nowSeconds());
					const record = await send(req, { kind: 'duplicate', eventId: event.eventId, attempt, expected: 'duplicate2xx' }, () => endpointDisabled || !!signal?.aborted);
					if (record) report.extra.push(record);
				})(),
			);
		}
		if (plan.replay) {
			const stale = plan.replay.stale;
			const original = captured;
			extras.push(
				(async () => {
					await sleep(faults.replayDelayMs ?? 100, signal);
					if (signal?.aborted) return;
					// A stale replay is the request as the vendor signed it `age` seconds ago (a capture we
					// cannot wait ten minutes for in a test); a fresh one is the captured bytes, unchanged.
					const age = faults.replayAgeSeconds ?? 600;
					const req = stale ? signAttempt(event, opts, 1, nowSeconds() - age) : original;
					const record = await send(req, { kind: 'replay', eventId: event.eventId, attempt: 1, stale, expected: stale ? 'reject401' : 'duplicate2xx' }, () => !!signal?.aborted);
					if (record) report.extra.push(record);
				})(),
			);
		}
		await Promise.all(extras);
	};

	const interval = opts.intervalMs ?? 0;
	await Promise.all(order.map((index, position) => runEvent(index, position * interval)));
	agent.destroy();

	for (const r of reports) {
		r.acceptedCount = [...r.attempts, ...r.extra].filter((x) => x.kind !== 'forgery' && is2xx(x.status) && x.replyStatus === 'accepted').length;
	}
	const finished = Date.now();
	return {
		provider,
		url: opts.url,
		seed,
		timeScale,
		startedAt: new Date(started).toISOString(),
		finishedAt: new Date(finished).toISOString(),
		durationMs: finished - started,
		endpointDisabled,
		events: reports,
		totals: summarize(reports),
	};
}

/** Totals over per-event reports. */
export function summarize(reports: readonly EventDeliveryReport[]): DeliveryTotals {
	const t: DeliveryTotals = {
		events: reports.length,
		delivered: 0,
		dropped: 0,
		gaveUp: 0,
		disabled: 0,
		aborted: 0,
		requests: 0,
		attempts: 0,
		retries: 0,
		timeouts: 0,
		networkErrors: 0,
		duplicatesSent: 0,
		concurrentDuplicatesSent: 0,
		forgeriesSent: 0,
		forgeriesRejected: 0,
		forgeriesAccepted: 0,
		forgeriesByKind: {},
		replaysSent: 0,
		staleReplaysSent: 0,
		staleReplaysRejected: 0,
		freshReplaysSent: 0,
		freshReplaysAnsweredDuplicate: 0,
		replies: {},
		statuses: {},
		eventsAcceptedMoreThanOnce: 0,
		unexpected: 0,
	};
	const inc = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
	for (const r of reports) {
		t[r.outcome]++;
		if (r.acceptedCount > 1) t.eventsAcceptedMoreThanOnce++;
		for (const x of [...r.attempts, ...r.extra]) {
			t.requests++;
			inc(t.statuses, x.status === null ? (x.error === 'timeout' ? 'timeout' : 'error') : String(x.status));
			inc(t.replies, x.replyStatus ?? 'none');
			if (x.error === 'timeout') t.timeouts++;
			else if (x.status === null) t.networkErrors++;
			// Expectations only make sense for what a receiver can judge alone; ordinary attempts that
			// fail are the receiver's transient errors, counted as retries, not as unexpected answers.
			if (!x.ok && x.kind !== 'attempt' && x.kind !== 'concurrentDuplicate') t.unexpected++;
			switch (x.kind) {
				case 'attempt':
					t.attempts++;
					if (x.attempt > 1) t.retries++;
					break;
				case 'concurrentDuplicate':
					t.concurrentDuplicatesSent++;
					t.duplicatesSent++;
					break;
				case 'duplicate':
					t.duplicatesSent++;
					break;
				case 'forgery': {
					t.forgeriesSent++;
					const k = (t.forgeriesByKind[x.forgery as ForgeryKind] ??= { sent: 0, rejected: 0 });
					k.sent++;
					if (x.status === 401) {
						t.forgeriesRejected++;
						k.rejected++;
					} else if (is2xx(x.status)) t.forgeriesAccepted++;
					break;
				}
				case 'replay':
					t.replaysSent++;
					if (x.stale) {
						t.staleReplaysSent++;
						if (x.status === 401) t.staleReplaysRejected++;
					} else {
						t.freshReplaysSent++;
						if (is2xx(x.status) && x.replyStatus === 'duplicate') t.freshReplaysAnsweredDuplicate++;
					}
					break;
			}
		}
	}
	return t;
}

/** A one-screen summary of a report, for the CLI and the demo. */
export function formatTotals(r: DeliveryReport): string {
	const t = r.totals;
	const kinds = Object.entries(t.forgeriesByKind)
		.map(([k, v]) => `${k} ${v!.rejected}/${v!.sent}`)
		.join(', ');
	return [
		`${r.provider} -> ${r.url}  (seed ${r.seed}, timeScale ${r.timeScale}, ${r.durationMs} ms)`,
		`events ${t.events}: delivered ${t.delivered}, dropped ${t.dropped}, gave up ${t.gaveUp}, disabled ${t.disabled}${t.aborted ? `, aborted ${t.aborted}` : ''}`,
		`requests ${t.requests}: attempts ${t.attempts} (retries ${t.retries}), timeouts ${t.timeouts}, network errors ${t.networkErrors}`,
		`duplicates sent ${t.duplicatesSent} (concurrent ${t.concurrentDuplicatesSent})`,
		`forgeries sent ${t.forgeriesSent}: rejected 401 ${t.forgeriesRejected}, accepted ${t.forgeriesAccepted}${kinds ? `  [${kinds}]` : ''}`,
		`replays sent ${t.replaysSent}: stale ${t.staleReplaysSent} (401: ${t.staleReplaysRejected}), fresh ${t.freshReplaysSent} (duplicate: ${t.freshReplaysAnsweredDuplicate})`,
		`replies ${JSON.stringify(t.replies)}  statuses ${JSON.stringify(t.statuses)}`,
		`accepted more than once: ${t.eventsAcceptedMoreThanOnce}; unexpected answers: ${t.unexpected}`,
	].join('\n');
}

