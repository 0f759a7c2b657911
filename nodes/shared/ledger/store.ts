import { Ledger, type LedgerStats, type PersistedLedger, type ReconcileState } from './Ledger';

/**
 * Where a workflow's ledger lives. Every node of the package talks to the ledger through this
 * interface, so the in-process ledger (one n8n process, persisted in static data) and a shared
 * one (several n8n processes in queue mode) give the same guarantees to the same code.
 *
 * A claim has two states: *pending* from claim() until n8n has registered the execution it
 * starts (confirm(), on n8n's 2xx answer or in the execution's first node), then *confirmed*. A
 * pending claim whose execution could not be registered is released, so the POS retry is
 * accepted. Both states answer "duplicate" to a second claim.
 */
export interface LedgerStore {
	/** Atomic: 'new' (recorded as pending) or 'duplicate'. keys[0] is the event id, the rest replay keys. */
	claim(keys: string[], nowMs: number): Promise<'new' | 'duplicate'>;
	/** n8n could not start the execution: the keys are free again, so the POS retry is accepted. */
	release(keys: string[]): Promise<void>;
	/** The execution is registered (n8n answered 2xx, or its first node ran): the claim is no longer pending. */
	confirm(keys: string[], nowMs: number): Promise<void>;
	/** Claims still pending (claimed, neither confirmed nor released): what back-pressure bounds. */
	pendingCount(nowMs: number): Promise<number>;
	/** Ledger > Forget. True when the id was known. */
	forget(eventId: string): Promise<boolean>;
	has(key: string, nowMs: number): Promise<boolean>;
	/** Counters (an implementation may batch them). */
	count(outcome: string, by?: number): void;
	stats(nowMs: number): Promise<LedgerStats>;
	getReconcile(): Promise<ReconcileState>;
	setReconcile(state: ReconcileState): Promise<void>;
}

/**
 * A pending claim older than this is dropped: its request is long gone (the POS, having no
 * 2xx, retries), and if its execution did start after all, the durable "started" record stops
 * a second effect. Keeps memory bounded whatever n8n does with the request.
 */
export const PENDING_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * The default store: the in-process Ledger (atomic because our code runs on one thread and
 * claimSync() has no await inside) for confirmed ids, plus the pending claims in memory only.
 *
 * Pending claims never enter the Ledger, so they are never saved in static data: a process
 * killed before n8n registered an execution restarts without that id, and the POS retry (it
 * had no 2xx) is accepted instead of being answered "duplicate" for an event that never ran.
 */
export class InProcessLedgerStore implements LedgerStore {
	/** event id (keys[0]) -> its keys and claim time; insertion order is claim order. */
	private readonly pending = new Map<string, { keys: string[]; claimedAtMs: number }>();
	private readonly pendingKeys = new Set<string>();

	constructor(readonly ledger: Ledger) {}

	async claim(keys: string[], nowMs: number): Promise<'new' | 'duplicate'> {
		return this.claimSync(keys, nowMs);
	}

	/** Synchronous claim, for callers that must not yield between the check and the record. */
	claimSync(keys: string[], nowMs: number): 'new' | 'duplicate' {
		if (keys.length === 0) return 'duplicate';
		this.expirePending(nowMs);
		for (const key of keys) if (this.pendingKeys.has(key) || this.ledger.has(key, nowMs)) return 'duplicate';
		for (const key of keys) this.pendingKeys.add(key);
		this.pending.set(keys[0], { keys: [...keys], claimedAtMs: nowMs });
		return 'new';
	}

	/**
	 * For keys a synchronous caller (processDelivery's claimDelivery) has just claimed in the
	 * ledger: they become pending instead, or, if another request holds any of them pending, they
	 * are given back and the answer is 'duplicate'. Call it in the same tick as the claim.
	 */
	adoptAsPending(keys: string[], nowMs: number): 'new' | 'duplicate' {
		if (keys.length === 0) return 'duplicate';
		this.expirePending(nowMs);
		for (const key of keys) this.ledger.forget(key);
		if (keys.some((key) => this.pendingKeys.has(key))) return 'duplicate';
		for (const key of keys) this.pendingKeys.add(key);
		this.pending.set(keys[0], { keys: [...keys], claimedAtMs: nowMs });
		return 'new';
	}

	async release(keys: string[]): Promise<void> {
		if (keys.length > 0) this.dropPending(keys[0]);
	}

	/** Moves the claim into the ledger (saved with the next static data). Also records ids that were never pending here. */
	async confirm(keys: string[], nowMs: number): Promise<void> {
		this.confirmSync(keys, nowMs);
	}

	confirmSync(keys: string[], nowMs: number): void {
		if (keys.length === 0) return;
		const entry = this.pending.get(keys[0]);
		const all = entry ? entry.keys : keys;
		this.dropPending(keys[0]);
		for (const key of all) if (!this.ledger.has(key, nowMs)) this.ledger.claim(key, nowMs);
	}

	async pendingCount(nowMs: number): Promise<number> {
		return this.pendingCountSync(nowMs);
	}

	/** Synchronous pendingCount, for the webhook's back-pressure check. */
	pendingCountSync(nowMs: number): number {
		this.expirePending(nowMs);
		return this.pending.size;
	}

	async forget(eventId: string): Promise<boolean> {
		const wasPending = this.dropPending(eventId);
		return this.ledger.forget(eventId) || wasPending;
	}

	async has(key: string, nowMs: number): Promise<boolean> {
		return this.hasSync(key, nowMs);
	}

	hasSync(key: string, nowMs: number): boolean {
		return this.pendingKeys.has(key) || this.ledger.has(key, nowMs);
	}

	count(outcome: string, by = 1): void {
		this.ledger.count(outcome, by);
	}

	async stats(nowMs: number): Promise<LedgerStats> {
		return this.ledger.stats(nowMs);
	}

	async getReconcile(): Promise<ReconcileState> {
		return this.ledger.getReconcile();
	}

	async setReconcile(state: ReconcileState): Promise<void> {
		this.ledger.setReconcile(state);
	}

	/** The persisted form of the wrapped ledger (what goes into static data): confirmed ids only. */
	toJSON(): PersistedLedger {
		return this.ledger.toJSON();
	}

	private dropPending(eventId: string): boolean {
		const entry = this.pending.get(eventId);
		if (!entry) return false;
		this.pending.delete(eventId);
		for (const key of entry.keys) this.pendingKeys.delete(key);
		return true;
	}

	private expirePending(nowMs: number): void {
		for (const [id, entry] of this.pending) {
			if (nowMs - entry.claimedAtMs < PENDING_TIMEOUT_MS) break; // claim order
			this.dropPending(id);
		}
	}
}
