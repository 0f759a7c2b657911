import type { IExecuteFunctions } from 'n8n-workflow';

/**
 * The durable half of the ledger: "this event's execution has started" written to n8n's own
 * database through n8n's deduplication helpers (the table behind the Remove Duplicates node),
 * awaited before any downstream node runs.
 *
 * Why: the in-process ledger is saved in static data only when an execution ends, so a process
 * killed mid-way restarts with a ledger that lacks the last events. A POS retry or a
 * reconciliation of such an event must still be recognised, or its effect would run twice.
 *
 * n8n keeps one JSON row per workflow for this scope and rewrites it whole per call, reading it
 * first without a lock. Calls for one workflow are therefore chained here, one at a time, so two
 * executions of this process never overwrite each other's record. Records arriving meanwhile are
 * written together (recordBatched). Across processes (queue mode: executions on several workers)
 * that row would lose one of two concurrent records, so with the shared ledger every record goes
 * to Redis instead (`marks`, one atomic SET NX per record).
 */

/** The shared ledger's marks (SharedLedgerStore): where records go in queue mode. */
export interface MarkStore {
	recordMarks(marks: string[], value?: string): Promise<Set<string>>;
	findMarks(marks: string[]): Promise<Set<string>>;
	removeMarks(marks: string[]): Promise<void>;
	markValues?(marks: string[]): Promise<Array<string | null>>;
}

/** Records kept per workflow. Enough for every event of a long outage window at restaurant rates;
 * each call rewrites about 25 bytes per record. */
export const DURABLE_RECORDS = 10_000;

const PREFIX = 'posWebhooks:started:';
const DONE_PREFIX = 'posWebhooks:done:';
const ATTEMPT_PREFIX = 'posWebhooks:reemit:';
const AWAITING_PREFIX = 'posWebhooks:awaiting:';

const chains = new Map<string, Promise<unknown>>();

function serialised<T>(workflowId: string, work: () => Promise<T>): Promise<T> {
	const previous = chains.get(workflowId) ?? Promise.resolve();
	const next = previous.then(work, work);
	const settled = next.then(
		() => undefined,
		() => undefined,
	);
	chains.set(workflowId, settled);
	void settled.then(() => {
		if (chains.get(workflowId) === settled) chains.delete(workflowId);
	});
	return next;
}

interface Waiter {
	ctx: IExecuteFunctions;
	values: string[];
	resolve: (processed: Set<string>) => void;
	reject: (error: unknown) => void;
}
const waiting = new Map<string, Waiter[]>();

/**
 * Check-and-record with group commit: values of every caller that arrives while a write of this
 * workflow is in flight go to the database together in the next write, one row rewrite for all
 * of them. Under load that keeps the time between a flow's effect and its record short (what a
 * kill can interrupt). Resolves with the values of this caller that were already recorded; a
 * value sent twice in one batch counts as recorded for the second caller.
 */
function recordBatched(ctx: IExecuteFunctions, values: string[]): Promise<Set<string>> {
	const workflowId = String(ctx.getWorkflow().id ?? 'unsaved');
	return new Promise<Set<string>>((resolve, reject) => {
		let queue = waiting.get(workflowId);
		if (!queue) {
			queue = [];
			waiting.set(workflowId, queue);
			void serialised(workflowId, async () => await flush(workflowId));
		}
		queue.push({ ctx, values, resolve, reject });
	});
}

async function flush(workflowId: string): Promise<void> {
	const batch = waiting.get(workflowId) ?? [];
	waiting.delete(workflowId); // later callers start the next batch, chained after this one
	const all = [...new Set(batch.flatMap((w) => w.values))];
	if (all.length === 0) return;
	try {
		const result = await batch[0].ctx.helpers.checkProcessedAndRecord(all, 'workflow', { mode: 'entries', maxEntries: DURABLE_RECORDS });
		const recorded = new Set(result.processed.map(String));
		const claimedInBatch = new Set<string>();
		for (const w of batch) {
			const processed = new Set<string>();
			for (const value of w.values) {
				if (recorded.has(value) || claimedInBatch.has(value)) processed.add(value);
				claimedInBatch.add(value);
			}
			w.resolve(processed);
		}
	} catch (error) {
		for (const w of batch) w.reject(error);
	}
}

/** Whether this n8n offers the deduplication helpers (n8n 1.70 and later). */
export function canRecordDurably(ctx: IExecuteFunctions): boolean {
	return typeof (ctx.helpers as Partial<IExecuteFunctions['helpers']>).checkProcessedAndRecord === 'function';
}

/**
 * Records that these events started, atomically per workflow in this process. Returns the ids
 * that were already recorded (their execution started before: drop them, their effect ran or is
 * visible in n8n as crashed).
 */
export async function recordStarted(ctx: IExecuteFunctions, eventIds: string[], marks?: MarkStore): Promise<Set<string>> {
	if (eventIds.length === 0) return new Set();
	if (!marks && !canRecordDurably(ctx)) return new Set();
	const values = eventIds.map((id) => PREFIX + id);
	const processed = marks ? await marks.recordMarks(values) : await recordBatched(ctx, values);
	return new Set([...processed].map((value) => value.slice(PREFIX.length)));
}

/**
 * Shared ledger: n8n answered 2xx for this event at `atMs`, so its execution is registered (in
 * queue mode a job in Redis). With the "started" record its first step writes, this tells
 * Reconcile which accepted events never started: n8n 2.x gives no second worker a job whose worker
 * died (`scaling.service.js` `setupQueue`, `maxStalledCount: 0`). The in-process ledger keeps the
 * same fact as its "awaiting start" mark (Ledger.awaitStart).
 */
export async function recordAwaitingStart(eventId: string, atMs: number, marks: MarkStore): Promise<void> {
	await marks.recordMarks([AWAITING_PREFIX + eventId], String(atMs));
}

/** Shared ledger: the event's execution recorded its start; its "registered" mark is memory only. */
export async function clearAwaitingStart(eventId: string, marks: MarkStore): Promise<void> {
	await marks.removeMarks([AWAITING_PREFIX + eventId]);
}

/**
 * Shared ledger: of these accepted ids, those whose execution was registered but never recorded
 * its start, with the time n8n answered for them (a Mark Done comes after the start record, and
 * all marks expire with the window). Reconcile emits those registered long enough ago; the
 * "started" record it writes first (SET NX) decides between it and their own execution, should
 * that start after all. Empty with a companion package that cannot read mark values.
 */
export async function awaitingStartSince(eventIds: string[], marks: MarkStore): Promise<Map<string, number>> {
	const since = new Map<string, number>();
	if (typeof marks.markValues !== 'function') return since;
	for (let i = 0; i < eventIds.length; i += 500) {
		const chunk = eventIds.slice(i, i + 500);
		const values = await marks.markValues(chunk.flatMap((id) => [AWAITING_PREFIX + id, PREFIX + id]));
		for (const [j, id] of chunk.entries()) {
			const awaitingMs = Number(values[2 * j]);
			if (values[2 * j] !== null && values[2 * j + 1] === null && Number.isFinite(awaitingMs)) since.set(id, awaitingMs);
		}
	}
	return since;
}

/** Ledger > Forget: the durable record goes too, so the event can really be processed again. */
export async function forgetStarted(ctx: IExecuteFunctions, eventId: string, marks?: MarkStore): Promise<void> {
	if (marks) return await marks.removeMarks([PREFIX + eventId]);
	if (!canRecordDurably(ctx)) return;
	const workflowId = String(ctx.getWorkflow().id ?? 'unsaved');
	await serialised(workflowId, async () =>
		await ctx.helpers.removeProcessed([PREFIX + eventId], 'workflow', { mode: 'entries' }),
	);
}

/** POS > Ledger > Mark Done: the event's flow finished; completion tracking will not re-emit it. */
export async function recordDone(ctx: IExecuteFunctions, eventIds: string[], marks?: MarkStore): Promise<void> {
	if (eventIds.length === 0) return;
	const values = eventIds.map((id) => DONE_PREFIX + id);
	if (marks) {
		await marks.recordMarks(values);
		return;
	}
	if (!canRecordDurably(ctx)) return;
	await recordBatched(ctx, values);
}

/**
 * Of these ids: `unfinished`, whose start was recorded and no Mark Done finished, and `untracked`,
 * with neither record. The second are not re-emitted: their records were pushed out of n8n's row
 * (it keeps the last DURABLE_RECORDS, started and done together), so whether their flow finished
 * cannot be told, and re-running a finished flow would repeat its effect (a second SMS). (An
 * event whose execution never started is Reconcile's main step's business in-process, through its
 * "awaiting start" mark.) With the shared ledger's marks nothing is pushed out.
 * n8n's helpers can only check by recording, so the values the check added are removed again
 * within the same turn of the chain: no other call of this process sees them.
 */
export async function notDone(ctx: IExecuteFunctions, eventIds: string[], marks?: MarkStore): Promise<{ unfinished: string[]; untracked: string[] }> {
	if (eventIds.length === 0) return { unfinished: [], untracked: [] };
	const done = eventIds.map((id) => DONE_PREFIX + id);
	const started = eventIds.map((id) => PREFIX + id);
	let present: Set<string>;
	if (marks) {
		present = await marks.findMarks([...done, ...started]);
	} else {
		if (!canRecordDurably(ctx)) return { unfinished: [], untracked: [] };
		const workflowId = String(ctx.getWorkflow().id ?? 'unsaved');
		const options = { mode: 'entries' as const, maxEntries: DURABLE_RECORDS };
		present = await serialised(workflowId, async () => {
			const result = await ctx.helpers.checkProcessedAndRecord([...done, ...started], 'workflow', options);
			if (result.new.length > 0) await ctx.helpers.removeProcessed(result.new, 'workflow', options);
			return new Set(result.processed.map(String));
		});
	}
	const unfinished: string[] = [];
	const untracked: string[] = [];
	for (const [i, id] of eventIds.entries()) {
		if (present.has(done[i])) continue;
		// Marks (Redis) are never pushed out, only expire with the window: no "started" there means
		// the execution never ran its first step, which is unfinished too.
		if (marks || present.has(started[i])) unfinished.push(id);
		else untracked.push(id);
	}
	return { unfinished, untracked };
}

/** Records re-emission number `attempt` of each id; returns those this call recorded (not done before). */
export async function recordReemit(ctx: IExecuteFunctions, attempts: Array<{ id: string; attempt: number }>, marks?: MarkStore): Promise<Set<string>> {
	if (attempts.length === 0) return new Set();
	const values = attempts.map(({ id, attempt }) => `${ATTEMPT_PREFIX}${attempt}:${id}`);
	if (marks) {
		const already = await marks.recordMarks(values);
		return new Set(attempts.filter((_a, i) => !already.has(values[i])).map((a) => a.id));
	}
	if (!canRecordDurably(ctx)) return new Set();
	const workflowId = String(ctx.getWorkflow().id ?? 'unsaved');
	const result = await serialised(workflowId, async () =>
		await ctx.helpers.checkProcessedAndRecord(values, 'workflow', { mode: 'entries', maxEntries: DURABLE_RECORDS }),
	);
	const fresh = new Set(result.new.map(String));
	return new Set(attempts.filter((_a, i) => fresh.has(values[i])).map((a) => a.id));
}
