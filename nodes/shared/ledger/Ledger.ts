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
	private bucketMs: number;
	private windowMs: number;

	maxEntries: number;

	constructor(windowMs: number, maxEntries = DEFAULT_MAX_ENTRIES) {
		this.maxEntries = maxEntries;
		this.windowMs = windowMs;
		this.bucketMs = bucketSizeFor(windowMs);
		this.persisted = { v: 1, bucketMs: this.bucketMs, buckets: {}, counts: {}, reconcile: {} };
	}

	static restore(data: unknown, windowMs: number, maxEntries = DEFAULT_MAX_ENTRIES): Ledger {
		const ledger = new Ledger(windowMs, maxEntries);
		if (!isPersisted(data)) return ledger;
		const starts = Object.keys(data.buckets)
			.map(Number)
			.filter((n) => Number.isFinite(n))
			.sort((a, b) => a - b);
		for (const start of starts) {
			const digests = data.buckets[String(start)];
			if (typeof digests !== 'string' || digests.length % DIGEST_CHARS !== 0) continue;
			ledger.setBucket(start, digests);
			for (let i = 0; i < digests.length; i += DIGEST_CHARS) ledger.entries.set(digests.slice(i, i + DIGEST_CHARS), start);
		}
		if (typeof data.bucketMs === 'number' && data.bucketMs > 0) ledger.bucketMs = ledger.persisted.bucketMs = data.bucketMs;
		for (const [k, v] of Object.entries(data.counts ?? {})) if (typeof v === 'number') ledger.persisted.counts[k] = v;
		if (data.reconcile && typeof data.reconcile === 'object') ledger.persisted.reconcile = { ...data.reconcile };
		ledger.enforceBound();
		return ledger;
	}

	get size(): number {
		return this.entries.size;
	}

	/** The window can change when the user edits the node; expiry follows the latest setting. */
	setWindow(windowMs: number): void {
		if (windowMs !== this.windowMs) {
			this.windowMs = windowMs;
			this.nextPruneAt = 0;
		}
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

	/** Removes one id so that it can be processed again. True when it was there. */
	forget(eventId: string): boolean {
		const digest = digestOf(eventId);
		const start = this.entries.get(digest);
		if (start === undefined) return false;
		this.entries.delete(digest);
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
		};
	}

	/**
	 * The persisted form itself (live, not a copy): what goes into static data. Serialising it
	 * at any time gives the ledger as it is at that time.
	 */
	toJSON(): PersistedLedger {
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
		if (this.entries.get(oldest) === start) this.entries.delete(oldest);
		if (digests.length <= DIGEST_CHARS) this.deleteBucketString(start);
		else this.setBucket(start, digests.slice(DIGEST_CHARS));
	}

	private deleteBucket(start: number): void {
		const digests = this.buckets.get(start) ?? '';
		this.deleteBucketString(start);
		for (let i = 0; i < digests.length; i += DIGEST_CHARS) {
			const d = digests.slice(i, i + DIGEST_CHARS);
			if (this.entries.get(d) === start) this.entries.delete(d);
		}
	}
}

function isPersisted(data: unknown): data is PersistedLedger {
	return (
		typeof data === 'object' &&
		data !== null &&
		(data as PersistedLedger).v === 1 &&
		typeof (data as PersistedLedger).buckets === 'object' &&
		(data as PersistedLedger).buckets !== null
	);
}
