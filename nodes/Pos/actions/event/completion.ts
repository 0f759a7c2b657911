import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { occurredMsOf, type PosEventItem } from '../../../shared/event';
import { DURABLE_RECORDS, notDone, recordReemit, type MarkStore } from '../../../shared/ledger/durable';
import type { ReconcileState } from '../../../shared/ledger/Ledger';
import type { LedgerStore } from '../../../shared/ledger/store';
import { listEvents, type EventsApiAdapter, type ListedEvent, type ListSettings } from '../../transport';

/**
 * Completion tracking, Reconcile's second step (optional): events this workflow accepted (their
 * execution was registered: they are in the ledger) that never reached a POS > Ledger > Mark
 * Done within Finish Within are emitted again, at most Max Re-Emits times, then listed as failed
 * (Ledger > Get Failed Events).
 *
 * What it decides on is durable: "done" and each re-emission are records in n8n's database
 * (shared/ledger/durable.ts), the payload comes from the POS events API, and the ledger is
 * restored from static data plus the main step, which puts back every listed id already
 * started. So the next run after a kill decides the same way. Re-emission number k of an event
 * is due once k x Finish Within has passed since the event happened.
 */

export const completionProperties: INodeProperties[] = [
	{
		displayName: 'Re-Emit Unfinished Events',
		name: 'completionTracking',
		type: 'boolean',
		default: false,
		description:
			'Whether to emit again events whose flow started but did not reach a POS node "Ledger > Mark Done" in time (a crash, or a failed step). Put Mark Done at the end of the flow.',
	},
	{
		displayName: 'Finish Within (Minutes)',
		name: 'finishWithinMinutes',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 30,
		displayOptions: { show: { completionTracking: [true] } },
		description: 'How long after an event happened its flow may take before it is emitted again (and again after each further period)',
	},
	{
		displayName: 'Max Re-Emits',
		name: 'maxReemits',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 20 },
		default: 3,
		displayOptions: { show: { completionTracking: [true] } },
		description: 'How many times an unfinished event is emitted again before it is listed as failed (Ledger > Get Failed Events)',
	},
];

const MAX_FAILED = 1000;

/**
 * Kept in the ledger's reconcile state (the ledger's live persisted object, which every execution
 * saves whole; a separate static data key would be overwritten by executions that loaded the
 * static data before it was set).
 */
export interface TrackingState extends ReconcileState {
	/**
	 * When tracking was first on, minus one period: events before it are never re-emitted, so that
	 * turning the option on does not re-run the events of the days before (they had no Mark Done).
	 */
	completionSince?: number;
	/** The dead letters, oldest first, at most MAX_FAILED. */
	failed?: FailedEvent[];
}

export interface FailedEvent extends IDataObject {
	id: string;
	type: string | null;
	occurredAt: string | null;
	reemits: number;
	failedAt: string;
}

export interface CompletionContext {
	adapter: EventsApiAdapter;
	list: ListSettings;
	toItem: (listed: ListedEvent, receivedAt: string) => PosEventItem | undefined;
	wanted: (type: string | null) => boolean;
	store: LedgerStore;
	/** Where the durable records are (the shared ledger in queue mode; else n8n's database). */
	marks?: MarkStore;
	nowMs: number;
	itemIndex: number;
	/** Ids the main step emits in this run (they are not re-emitted on top). */
	emittedNow: ReadonlySet<string>;
	/** Marks the ledger (with its reconcile state) for saving with this execution's static data. */
	persist: () => void;
}

export async function reemitUnfinished(ctx: IExecuteFunctions, c: CompletionContext): Promise<INodeExecutionData[]> {
	if (ctx.getNodeParameter('completionTracking', c.itemIndex, false) !== true) return [];
	if (ctx.getMode() === 'manual') return [];
	const periodMs = Math.max(1, Number(ctx.getNodeParameter('finishWithinMinutes', c.itemIndex, 30))) * 60_000;
	const maxReemits = Math.max(1, Math.floor(Number(ctx.getNodeParameter('maxReemits', c.itemIndex, 3))));

	const state = (await c.store.getReconcile()) as TrackingState;
	if (typeof state.completionSince !== 'number') {
		state.completionSince = c.nowMs - periodMs;
		await c.store.setReconcile(state);
		c.persist();
	}
	const sinceMs = state.completionSince;

	// Events that happened between (maxReemits + 2) periods ago and one period ago.
	const window = { startMs: Math.max(sinceMs, c.nowMs - (maxReemits + 2) * periodMs), endMs: c.nowMs - periodMs };
	if (c.adapter.historyMs !== undefined) window.startMs = Math.max(window.startMs, c.nowMs - c.adapter.historyMs);
	if (window.startMs >= window.endMs) return [];
	const seen = new Map<string, PosEventItem>();
	const receivedAt = new Date(c.nowMs).toISOString();
	await listEvents(ctx, c.adapter, window, c.list, (page) => {
		for (const listed of page) {
			const item = c.toItem(listed, receivedAt);
			if (!item || !c.wanted(item.type) || c.emittedNow.has(item.id) || seen.has(item.id)) continue;
			seen.set(item.id, item);
		}
	});
	// Ids never accepted here are the main step's business.
	const accepted = await Promise.all([...seen.keys()].map(async (id) => await c.store.has(id, c.nowMs)));
	for (const [i, id] of [...seen.keys()].entries()) if (!accepted[i]) seen.delete(id);
	const { unfinished, untracked } = await notDone(ctx, [...seen.keys()], c.marks);
	if (untracked.length > 0) {
		ctx.logger.warn(
			`POS reconciliation: ${untracked.length} event(s) have no "started" or "done" record any more (n8n keeps the last ${DURABLE_RECORDS} records per workflow), so they are not emitted again; lower Finish Within x (Max Re-Emits + 2) or the event volume per workflow to track them`,
		);
	}
	if (unfinished.length === 0) return [];

	const due: Array<{ id: string; attempt: number }> = [];
	const failed: PosEventItem[] = [];
	for (const id of unfinished) {
		const item = seen.get(id)!;
		const occurredMs = occurredMsOf(item);
		if (!Number.isFinite(occurredMs)) continue;
		const attempt = Math.floor((c.nowMs - occurredMs) / periodMs);
		if (attempt < 1) continue;
		if (attempt <= maxReemits) due.push({ id, attempt });
		else failed.push(item);
	}
	const recorded = await recordReemit(ctx, due, c.marks);
	if (failed.length > 0) await listAsFailed(ctx, c, failed, maxReemits);

	const out: INodeExecutionData[] = [];
	for (const { id, attempt } of due) {
		if (!recorded.has(id)) continue; // this attempt was already made (by an earlier run)
		const item = seen.get(id)!;
		item.recovered = true;
		item.reemitted = attempt;
		out.push({ json: item, pairedItem: { item: c.itemIndex } });
	}
	if (out.length > 0) c.store.count('reemitted', out.length);
	return out;
}

async function listAsFailed(ctx: IExecuteFunctions, c: CompletionContext, items: PosEventItem[], reemits: number): Promise<void> {
	const state = (await c.store.getReconcile()) as TrackingState;
	const list = state.failed ?? [];
	const known = new Set(list.map((f) => f.id));
	const added = items.filter((item) => !known.has(item.id));
	if (added.length === 0) return;
	state.failed = [
		...list,
		...added.map((item) => ({ id: item.id, type: item.type, occurredAt: item.occurredAt, reemits, failedAt: new Date(c.nowMs).toISOString() })),
	].slice(-MAX_FAILED);
	await c.store.setReconcile(state);
	c.persist();
	ctx.logger.warn(`POS reconciliation: ${added.length} event(s) did not finish after ${reemits} re-emits; see Ledger > Get Failed Events`);
}

/** Ledger > Get Failed Events. */
export async function failedEvents(store: LedgerStore): Promise<FailedEvent[]> {
	return ((await store.getReconcile()) as TrackingState).failed ?? [];
}
