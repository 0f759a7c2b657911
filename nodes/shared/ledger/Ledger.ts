import * as crypto from 'node:crypto';

/**
 * The ledger remembers which event ids a workflow has already let through, so that an event
 * starts the workflow once whether it arrives by webhook, by reconciliation, or both.
 *
 * Design (docs/architecture.md has the longer story):
 * - The authority is an in-process structure shared by every request of the workflow (see
 *   registry.ts). Node runs our code on one thread, so claim() is a check-and-record with no
 *   await in between: two concurrent deliveries of one id cannot both pass. n8n's static data
 *   alone cannot give that: every request works on its own copy.
 * - For restarts it is persisted in the workflow's static data in a compact, append-friendly
 *   form: each id becomes a 72-bit digest written as 12 base64 characters, grouped in time
 *   buckets. Appending an id appends 12 characters to the newest bucket's string, so the work
 *   per request does not grow with the ledger (V8 concatenation is O(1)).
 * - Entries expire a whole bucket at a time, between `window` and `window + bucket` after they
 *   were recorded; the ledger never holds more than `maxEntries` (the oldest ids go first).
 */

export const DIGEST_CHARS = 12; // 9 bytes of SHA-256 in base64: no padding, fixed width
const MAX_BUCKET_MS = 60 * 60 * 1000;
const MIN_BUCKET_MS = 1000;
export const DEFAULT_MAX_ENTRIES = 100_000;

export type Outcome = 'accepted' | 'duplicate' | 'ignored' | 'recovered';

/** What is written into workflow static data. Plain JSON. */
export interface PersistedLedger {
	v: 1;
	bucketMs: number;
	/** bucket start (ms) -> concatenated digests */
	buckets: Record<string, string>;
	counts: Record<string, number>;
	reconcile?: ReconcileState;
	/** What the POS Webhook Trigger last ran with; the POS node follows it (see TriggerSettings). */
	trigger?: TriggerSettings;
	/**
	 * digest -> when n8n registered its execution (ms), for accepted events whose execution has not
	 * yet run its first step (see Ledger.awaitStart). Saved with the ids, so a restarted process
	 * knows which remembered events never started.
	 */
	awaiting?: Record<string, number>;
}

/** Accepted events awaiting their first step, at most (the oldest go first). */
const MAX_AWAITING = 10_000;
const RECENTLY_STARTED = 1_000;

/**
 * The settings the trigger and Reconcile must agree on, recorded by the trigger on every
 * delivery so that they are set in one place (the trigger) and travel with the ledger. The POS
 * node reads them: Reconcile filters and strips recovered events exactly as the trigger does, and
 * no reader ever expires ids with a window of its own (only the trigger's window applies).
 */
export interface TriggerSettings {
	windowHours: number;
	/** The trigger's Event Types, as typed ("*" for all). */
	events: string;
	/** The trigger's Fields to Remove, parsed. */
	removeFields: string[];
	maxEntries: number;
	dedupe: boolean;
}

/** What could not be read from the saved ledger. */
export interface LedgerDamage {
	/**
	 * Nothing safe can be done: the saved form is not one this version can read (a newer
	 * version wrote it, or it is not a ledger at all). The ledger must not be used or saved over.
	 */
	unusable: boolean;
	problems: string[];
}

export interface ReconcileState {
	/** ISO time up to which every event has been pulled (the next pull starts here). */
	checkpoint?: string;
	lastCompletedAt?: string;
	lastRecovered?: number;
}

export interface LedgerStats {
	entries: number;
	oldestEntryAt?: string;
	windowHours: number;
	maxEntries: number;
	counts: Record<string, number>;
	reconcile: ReconcileState;
	trigger?: TriggerSettings;
	damage?: LedgerDamage;
}

// One-shot crypto.hash (Node >= 20.12, n8n 2.x runs on 24) straight to base64 is about 3x
// cheaper than createHash + Buffer + base64 for short ids. The first 12 base64 characters of the
// digest are exactly its first 9 bytes. Both paths give the same digest.
const oneShot = (crypto as unknown as { hash?: (alg: string, data: string, enc: 'base64') => string }).hash;
const sha256Base64 = oneShot
	? (text: string) => oneShot('sha256', text, 'base64')
	: (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest('base64');

export function digestOf(eventId: string): string {
	return sha256Base64(eventId).slice(0, DIGEST_CHARS);
}

/** Buckets of about 1/72 of the window, between 1 s and 1 h, so expiry is never late by more than that. */
export function bucketSizeFor(windowMs: number): number {
	return Math.min(MAX_BUCKET_MS, Math.max(MIN_BUCKET_MS, Math.floor(windowMs / 72)));
}

export class Ledger {
	private readonly entries = new Map<string, number>(); // digest -> bucket start
	private readonly buckets = new Map<number, string>(); // bucket start -> digests, oldest first
	/**
	 * The persisted form, kept up to date as ids are claimed (never rebuilt), so marking the
	 * ledger for saving costs nothing per request. Its bucket strings are shared with `buckets`.
	 */
	private readonly persisted: PersistedLedger;
	private nextPruneAt = 0;
	/** Digests whose first step ran lately (memory only), so a late awaitStart does not mark them again. */
	private readonly recentlyStarted = new Set<string>();
	private bucketMs: number;
	private windowMs: number;
	private damageNoticeTaken = false;
	/** The saved value of an unusable ledger, given back by toJSON() so that no save can destroy it. */
	private unreadable?: unknown;

	/** Set by restore() when the saved form could not be read in full. */
	damage?: LedgerDamage;

	maxEntries: number;

	constructor(windowMs: number, maxEntries = DEFAULT_MAX_ENTRIES) {
		this.maxEntries = maxEntries;
		this.windowMs = windowMs;
		this.bucketMs = bucketSizeFor(windowMs);
		this.persisted = { v: 1, bucketMs: this.bucketMs, buckets: {}, counts: {}, reconcile: {} };
	}

	/**
	 * Loads the saved form. Never resets silently: what can be read is kept (whole buckets of
	 * valid digests, the complete digests of a truncated bucket, a form saved as JSON text once too
	 * often), and what cannot is reported in `damage`. A form this version cannot read at all (an
	 * unknown version, not a ledger) gives an empty ledger marked unusable: the trigger then
	 * answers 503 (the POS retries later, nothing is lost) and nothing saves over the data.
	 */
	static restore(data: unknown, windowMs: number, maxEntries?: number): Ledger {
		const ledger = new Ledger(windowMs, maxEntries ?? DEFAULT_MAX_ENTRIES);
		if (data === undefined || data === null) return ledger;
		const problems: string[] = [];
		const saved = asObject(data, 'the saved ledger', problems);
		if (saved !== undefined && Object.keys(saved).length === 0) return ledger; // nothing was ever saved in it
		if (saved === undefined || saved.v !== 1) {
			const version = saved === undefined ? undefined : saved.v;
			ledger.unreadable = data;
			ledger.damage = {
				unusable: true,
				problems: [
					...problems,
					version === undefined
						? 'the saved ledger is not in a form this version can read'
						: `the saved ledger has version ${JSON.stringify(version)}, which this version of the package cannot read (was it written by a newer version?)`,
				],
			};
			return ledger;
		}
		const buckets = asObject(saved.buckets, 'the bucket list', problems);
		if (buckets === undefined) {
			ledger.unreadable = data;
			ledger.damage = { unusable: true, problems: [...problems, 'the saved ledger has no readable list of event IDs'] };
			return ledger;
		}
		if (typeof saved.bucketMs === 'number' && Number.isFinite(saved.bucketMs) && saved.bucketMs >= MIN_BUCKET_MS) {
			ledger.bucketMs = ledger.persisted.bucketMs = saved.bucketMs;
		}
		const starts = Object.keys(buckets)
			.filter((key) => {
				if (Number.isFinite(Number(key)) && key.trim() !== '') return true;
				problems.push(`a bucket with the key ${JSON.stringify(key.slice(0, 40))} was dropped`);
				return false;
			})
			.map(Number)
			.sort((a, b) => a - b);
		for (const start of starts) {
			const digests = readDigests(buckets[String(start)], start, problems);
			if (digests === '') continue;
			ledger.setBucket(start, digests);
			for (let i = 0; i < digests.length; i += DIGEST_CHARS) ledger.entries.set(digests.slice(i, i + DIGEST_CHARS), start);
		}
		const counts = asObject(saved.counts ?? {}, 'the counters', problems) ?? {};
		for (const [k, v] of Object.entries(counts)) if (typeof v === 'number' && Number.isFinite(v)) ledger.persisted.counts[k] = v;
		const reconcile = asObject(saved.reconcile ?? {}, 'the reconciliation state', problems);
		if (reconcile) ledger.persisted.reconcile = { ...(reconcile as ReconcileState) };
		const awaiting = saved.awaiting === undefined ? {} : (asObject(saved.awaiting, 'the list of events awaiting their start', problems) ?? {});
		for (const [digest, at] of Object.entries(awaiting)) {
			if (typeof at === 'number' && Number.isFinite(at) && ledger.entries.has(digest)) (ledger.persisted.awaiting ??= {})[digest] = at;
		}
		const trigger = readTriggerSettings(saved.trigger);
		if (trigger) {
			ledger.persisted.trigger = trigger;
			ledger.windowMs = trigger.windowHours * HOUR_MS;
			ledger.maxEntries = trigger.maxEntries;
		} else if (maxEntries === undefined) {
			// Saved before the trigger recorded its settings, opened by a reader that does not
			// know the trigger's bound: nothing already remembered is evicted.
			ledger.maxEntries = Math.max(DEFAULT_MAX_ENTRIES, ledger.entries.size);
		}
		if (problems.length > 0) ledger.damage = { unusable: false, problems };
		ledger.enforceBound();
		return ledger;
	}

	/** The damage report as one log line, the first time it is asked for (then undefined). */
	takeDamageNotice(): string | undefined {
		if (!this.damage || this.damageNoticeTaken) return undefined;
		this.damageNoticeTaken = true;
		return describeDamage(this.damage);
	}

	/**
	 * Records what the trigger runs with (called on every delivery; cheap when nothing changed).
	 * From then on only the trigger's window expires ids, whatever window a reader opens with.
	 */
	recordTriggerSettings(settings: TriggerSettings): void {
		const current = this.persisted.trigger;
		if (
			current &&
			current.windowHours === settings.windowHours &&
			current.events === settings.events &&
			current.maxEntries === settings.maxEntries &&
			current.dedupe === settings.dedupe &&
			current.removeFields.join(',') === settings.removeFields.join(',')
		) {
			return;
		}
		this.persisted.trigger = { ...settings, removeFields: [...settings.removeFields] };
		const windowMs = settings.windowHours * HOUR_MS;
		if (this.entries.size === 0 && this.buckets.size === 0) this.bucketMs = this.persisted.bucketMs = bucketSizeFor(windowMs);
		if (windowMs !== this.windowMs) {
			this.windowMs = windowMs;
			this.nextPruneAt = 0;
		}
		if (settings.maxEntries !== this.maxEntries) this.setMaxEntries(settings.maxEntries);
	}

	/** What the trigger recorded, if it has run since this version was installed. */
	getTriggerSettings(): TriggerSettings | undefined {
		const t = this.persisted.trigger;
		return t ? { ...t, removeFields: [...t.removeFields] } : undefined;
	}

	get size(): number {
		return this.entries.size;
	}

	/**
	 * The window asked for by whoever opens the ledger. Once the trigger has recorded its
	 * settings, only recordTriggerSettings changes the window (a reader such as the POS node must
	 * never shrink what the trigger keeps). Before that, the window only ever grows.
	 */
	setWindow(windowMs: number): void {
		if (this.persisted.trigger !== undefined || !(windowMs > this.windowMs)) return;
		this.windowMs = windowMs;
		this.nextPruneAt = 0;
	}

	/** The bound can change when the user edits the trigger; shrinking forgets the oldest ids. */
	setMaxEntries(maxEntries: number): void {
		this.maxEntries = maxEntries;
		this.enforceBound();
	}

	has(eventId: string, nowMs: number): boolean {
		this.prune(nowMs);
		return this.entries.has(digestOf(eventId));
	}

	/**
	 * Atomically: true and recorded when the id is new, false when it is already known.
	 * Synchronous on purpose: nothing can interleave between the check and the record.
	 */
	claim(eventId: string, nowMs: number): boolean {
		this.prune(nowMs);
		const digest = digestOf(eventId);
		if (this.entries.has(digest)) return false;
		const start = nowMs - (nowMs % this.bucketMs);
		this.entries.set(digest, start);
		this.setBucket(start, (this.buckets.get(start) ?? '') + digest);
		this.enforceBound();
		return true;
	}

	/**
	 * n8n answered 2xx for this accepted event: its execution is registered but has not run its
	 * first step yet. n8n 2.41 never marks an execution killed in that state as crashed (its
	 * recovery looks at "running" executions only, message-event-bus.js
	 * collectUnfinishedExecutionIds), so nothing would ever show or rerun it; the POS got 200 and
	 * will not resend it. Reconcile picks up events still waiting after its Settle Delay.
	 */
	awaitStart(eventId: string, nowMs: number): void {
		const digest = digestOf(eventId);
		// Its execution may already have run its first step (n8n's "finish" can come after it).
		if (!this.entries.has(digest) || this.recentlyStarted.has(digest)) return;
		const awaiting = (this.persisted.awaiting ??= {});
		awaiting[digest] = nowMs;
		const keys = Object.keys(awaiting);
		if (keys.length > MAX_AWAITING) for (const key of keys.slice(0, keys.length - MAX_AWAITING)) delete awaiting[key];
	}

	/** The event's first step ran (its start is recorded durably). */
	started(eventId: string): void {
		const digest = digestOf(eventId);
		if (this.persisted.awaiting) delete this.persisted.awaiting[digest];
		this.recentlyStarted.add(digest);
		if (this.recentlyStarted.size > RECENTLY_STARTED) this.recentlyStarted.delete(this.recentlyStarted.values().next().value as string);
	}

	/** Accepted events whose execution has not run its first step yet, registered since sinceMs. */
	awaitingStartCount(sinceMs: number): number {
		let n = 0;
		for (const at of Object.values(this.persisted.awaiting ?? {})) if (at >= sinceMs) n++;
		return n;
	}

	/** When n8n registered the execution of this accepted event, if its first step has not run yet. */
	awaitingStartSince(eventId: string): number | undefined {
		return this.persisted.awaiting?.[digestOf(eventId)];
	}

	/** Removes one id so that it can be processed again. True when it was there. */
	forget(eventId: string): boolean {
		const digest = digestOf(eventId);
		const start = this.entries.get(digest);
		if (start === undefined) return false;
		this.entries.delete(digest);
		if (this.persisted.awaiting) delete this.persisted.awaiting[digest];
		const digests = this.buckets.get(start) ?? '';
		let kept = '';
		for (let i = 0; i < digests.length; i += DIGEST_CHARS) {
			const d = digests.slice(i, i + DIGEST_CHARS);
			if (d !== digest) kept += d;
		}
		if (kept === '') this.deleteBucketString(start);
		else this.setBucket(start, kept);
		return true;
	}

	count(outcome: string, by = 1): void {
		const counts = this.persisted.counts;
		counts[outcome] = (counts[outcome] ?? 0) + by;
	}

	getReconcile(): ReconcileState {
		return { ...this.persisted.reconcile };
	}

	setReconcile(state: ReconcileState): void {
		this.persisted.reconcile = { ...state };
	}

	stats(nowMs: number): LedgerStats {
		this.prune(nowMs);
		const first = this.buckets.keys().next();
		return {
			entries: this.entries.size,
			oldestEntryAt: first.done ? undefined : new Date(first.value).toISOString(),
			windowHours: this.windowMs / 3_600_000,
			maxEntries: this.maxEntries,
			counts: { ...this.persisted.counts },
			reconcile: this.getReconcile(),
			trigger: this.getTriggerSettings(),
			damage: this.damage,
		};
	}

	/**
	 * The persisted form itself (live, not a copy): what goes into static data. Serialising it
	 * at any time gives the ledger as it is at that time.
	 */
	toJSON(): PersistedLedger {
		if (this.unreadable !== undefined) return this.unreadable as PersistedLedger;
		return this.persisted;
	}

	private setBucket(start: number, digests: string): void {
		this.buckets.set(start, digests);
		this.persisted.buckets[String(start)] = digests;
	}

	private deleteBucketString(start: number): void {
		this.buckets.delete(start);
		delete this.persisted.buckets[String(start)];
	}

	private prune(nowMs: number): void {
		if (nowMs < this.nextPruneAt) return;
		this.nextPruneAt = nowMs + Math.min(this.bucketMs, 60_000);
		for (const start of this.buckets.keys()) {
			if (start + this.bucketMs + this.windowMs > nowMs) break; // buckets are in time order
			this.deleteBucket(start);
		}
	}

	/** Keeps at most maxEntries ids, forgetting the oldest first. */
	private enforceBound(): void {
		while (this.entries.size > this.maxEntries) this.evictOldest();
	}

	/** Forgets the oldest id (bucket strings are in claim order), never the one just claimed. */
	private evictOldest(): void {
		const first = this.buckets.entries().next();
		if (first.done) return;
		const [start, digests] = first.value;
		const oldest = digests.slice(0, DIGEST_CHARS);
		if (this.entries.get(oldest) === start) {
			this.entries.delete(oldest);
			if (this.persisted.awaiting) delete this.persisted.awaiting[oldest];
		}
		if (digests.length <= DIGEST_CHARS) this.deleteBucketString(start);
		else this.setBucket(start, digests.slice(DIGEST_CHARS));
	}

	private deleteBucket(start: number): void {
		const digests = this.buckets.get(start) ?? '';
		this.deleteBucketString(start);
		for (let i = 0; i < digests.length; i += DIGEST_CHARS) {
			const d = digests.slice(i, i + DIGEST_CHARS);
			if (this.entries.get(d) === start) {
				this.entries.delete(d);
				if (this.persisted.awaiting) delete this.persisted.awaiting[d];
			}
		}
	}
}

const HOUR_MS = 3_600_000;
const DIGEST_TEXT = /^[A-Za-z0-9+/]*$/;

/** A plain object, also when it was saved as JSON text once too often; else undefined (and a problem noted). */
function asObject(value: unknown, what: string, problems: string[]): Record<string, unknown> | undefined {
	let v = value;
	if (typeof v === 'string') {
		try {
			v = JSON.parse(v);
			problems.push(`${what} was saved as JSON text; it was read from that text`);
		} catch {
			problems.push(`${what} is unreadable text`);
			return undefined;
		}
	}
	if (v === null || typeof v !== 'object' || Array.isArray(v)) {
		problems.push(`${what} is not an object`);
		return undefined;
	}
	return v as Record<string, unknown>;
}

/** The valid, complete digests of one saved bucket ('' when none). */
function readDigests(value: unknown, start: number, problems: string[]): string {
	let digests = value;
	if (typeof digests === 'string' && digests.startsWith('"')) {
		try {
			digests = JSON.parse(digests);
			problems.push(`bucket ${start} was saved as JSON text; it was read from that text`);
		} catch {
			// handled below as unreadable characters
		}
	}
	if (typeof digests !== 'string') {
		problems.push(`bucket ${start} is not text and was dropped`);
		return '';
	}
	if (digests === '') {
		problems.push(`bucket ${start} is empty (the ledger never saves an empty bucket)`);
		return '';
	}
	if (!DIGEST_TEXT.test(digests)) {
		// Keep the longest clean prefix: digests are appended, so damage is usually at the end.
		const bad = digests.search(/[^A-Za-z0-9+/]/);
		problems.push(`bucket ${start} holds characters no event ID digest has; the IDs after them were dropped`);
		digests = digests.slice(0, bad);
	}
	const whole = (digests as string).length - ((digests as string).length % DIGEST_CHARS);
	if (whole !== (digests as string).length) problems.push(`bucket ${start} was cut short; its complete IDs were kept`);
	return (digests as string).slice(0, whole);
}

function readTriggerSettings(value: unknown): TriggerSettings | undefined {
	if (value === null || typeof value !== 'object') return undefined;
	const t = value as Partial<TriggerSettings>;
	if (
		typeof t.windowHours !== 'number' ||
		!(t.windowHours > 0) ||
		typeof t.events !== 'string' ||
		!Array.isArray(t.removeFields) ||
		typeof t.maxEntries !== 'number' ||
		!(t.maxEntries >= 1)
	) {
		return undefined;
	}
	return {
		windowHours: t.windowHours,
		events: t.events,
		removeFields: t.removeFields.filter((f): f is string => typeof f === 'string'),
		maxEntries: t.maxEntries,
		dedupe: t.dedupe !== false,
	};
}

export function describeDamage(damage: LedgerDamage): string {
	const head = damage.unusable
		? 'The saved ledger (remembered event IDs) of this workflow cannot be read, so duplicates cannot be told apart; the trigger answers 503 (the POS retries later) and the saved data is left as it is'
		: 'Part of the saved ledger (remembered event IDs) of this workflow could not be read; the rest is kept';
	return `${head}: ${damage.problems.slice(0, 5).join('; ')}`;
}
