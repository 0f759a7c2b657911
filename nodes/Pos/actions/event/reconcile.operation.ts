import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeApiError, NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { eventFilter, occurredMsOf, removeFields, type PosEventItem } from '../../../shared/event';
import { callOptions, eventsAdapterFor, eventsStyleOf, loadPosApi, readApiOptions, requireBaseUrl } from '../../helpers/api';
import { asNodeError, errorItem } from '../../helpers/errors';
import { listedToItem } from '../../helpers/items';
import { openLedgerStoreFor } from '../../helpers/ledger';
import { awaitingStartSince, recordStarted, type MarkStore } from '../../../shared/ledger/durable';
import { completionProperties, reemitUnfinished } from './completion';
import { reconcileWindow } from '../../helpers/window';
import { listEvents } from '../../transport';
import { eventsApiOptions, eventTypesProperty } from '../common.descriptions';
import { InProcessLedgerStore, type LedgerStore } from '../../../shared/ledger/store';

/** Enough for a long outage at restaurant volumes in one run, small enough for n8n to hold and save. */
export const DEFAULT_MAX_EVENTS_PER_RUN = 25_000;

const properties: INodeProperties[] = [
	{
		displayName:
			"Catches the orders and payments the webhooks missed. Run it from a Schedule Trigger in the same workflow as the POS Webhook Trigger and connect it to the same steps. No output means nothing was missed.",
		name: 'reconcileNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName:
			"Which events are reconciled, which fields are removed and how long IDs are remembered come from this workflow's POS Webhook Trigger: set them there.",
		name: 'triggerSettingsNotice',
		type: 'notice',
		default: '',
	},
	{
		// Same parameter as before (saved workflows keep their value); only narrows the trigger's choice.
		...eventTypesProperty,
		displayName: 'Only These Event Types',
		placeholder: 'e.g. payment.*',
		hint: 'Optional: * (the default) reconciles every event type the trigger accepts',
		description:
			'To reconcile fewer event types than the trigger accepts: a comma-separated list (end an entry with * to match a prefix). Types the trigger does not accept are never reconciled.',
	},
	{
		displayName: 'Look Back (Hours)',
		name: 'lookBackHours',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 24,
		description:
			'On the first run, how far back to look for missed events. Later runs continue where the last complete run stopped. Never further back than the POS keeps events (Stripe 30 days, Square 28 days) or than event IDs are remembered.',
	},
	{
		displayName: 'Settle Delay (Seconds)',
		name: 'settleDelaySeconds',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 300,
		description:
			'Events newer than this are left for the next run, so that webhooks still on their way (and POS retries) arrive first instead of being reported as missed',
	},
	{
		displayName: 'Max Events per Run',
		name: 'maxEventsPerRun',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: DEFAULT_MAX_EVENTS_PER_RUN,
		description:
			'At most this many missed events come out of one run, the oldest first; the next runs continue with the rest. Keeps each run small after a long outage (memory, and the size of the execution n8n saves).',
	},
	...completionProperties,
	eventsApiOptions,
];

export const description = updateDisplayOptions({ show: { resource: ['event'], operation: ['reconcile'] } }, properties);

/**
 * Pulls every event of the window from the POS API, keeps those the workflow's ledger has not
 * seen, and only once the whole pull succeeded claims and emits them. Runs once per execution
 * (with the first item's parameters), whatever the number of input items.
 */
export async function execute(this: IExecuteFunctions, _items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const itemIndex = 0;
	try {
		return await reconcile(this, itemIndex);
	} catch (error) {
		if (this.continueOnFail()) return [errorItem(error, itemIndex)];
		throw asNodeError(this, error, itemIndex);
	}
}

async function reconcile(ctx: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const events = String(ctx.getNodeParameter('events', itemIndex, '*') ?? '*');
	const lookBackHours = Number(ctx.getNodeParameter('lookBackHours', itemIndex, 24));
	const settleDelaySeconds = Number(ctx.getNodeParameter('settleDelaySeconds', itemIndex, 300));
	const maxEvents = Math.floor(Number(ctx.getNodeParameter('maxEventsPerRun', itemIndex, DEFAULT_MAX_EVENTS_PER_RUN)));
	if (!Number.isFinite(maxEvents) || maxEvents < 1) {
		throw new NodeOperationError(ctx.getNode(), `Max Events per Run must be a whole number of at least 1 (it is ${JSON.stringify(maxEvents)})`, { itemIndex });
	}
	if (!Number.isFinite(lookBackHours) || lookBackHours <= 0) {
		throw new NodeOperationError(ctx.getNode(), 'Look Back must be more than 0 hours', { itemIndex });
	}
	if (!Number.isFinite(settleDelaySeconds) || settleDelaySeconds < 0) {
		throw new NodeOperationError(ctx.getNode(), 'Settle Delay must be 0 seconds or more', { itemIndex });
	}
	const apiOptions = readApiOptions(ctx, itemIndex);
	const api = await loadPosApi(ctx, itemIndex);
	const style = eventsStyleOf(ctx, api, itemIndex, 'reconciliation');
	const adapter = eventsAdapterFor(style);
	const baseUrl = requireBaseUrl(ctx, api, itemIndex);
	// The in-process ledger, or the shared one in Redis (queue mode: this runs on a worker).
	const { store, isTest, windowMs, persist, trigger, marks } = await openLedgerStoreFor(ctx, itemIndex);
	if (!trigger) {
		ctx.logger.warn(
			'POS reconciliation: the POS Webhook Trigger of this workflow has not recorded its settings yet (it does with its next delivery); ' +
				`using ${windowMs / 3_600_000} hours, this node's Event Types and no Fields to Remove until then`,
		);
	}
	// The same events, in the same shape, whichever way they came: the trigger's filter and
	// field removal apply here too (this node's Event Types can only narrow them).
	const triggerWants = eventFilter(trigger?.events ?? '*');
	const ownWants = eventFilter(events);
	const wanted = (type: string | null) => triggerWants(type) && ownWants(type);
	const fieldsToRemove = trigger?.removeFields ?? [];

	const nowMs = Date.now();
	const previous = await store.getReconcile();
	const window = reconcileWindow({
		nowMs,
		checkpoint: previous.checkpoint,
		lookBackHours,
		settleDelaySeconds,
		dedupeWindowMs: windowMs,
		historyMs: adapter.historyMs,
	});
	if (window.untrustedCheckpoint !== undefined) {
		ctx.logger.warn(
			`POS reconciliation: ${window.untrustedCheckpoint}, so it is not trusted; reconciling the last ${lookBackHours} hours (Look Back) as on a first run`,
		);
	}
	if (window.clampedFromMs !== undefined) {
		ctx.logger.warn(
			`POS reconciliation: events between ${new Date(window.clampedFromMs).toISOString()} and ${new Date(window.startMs).toISOString()} ` +
				'cannot be reconciled (older than the POS keeps events or than event IDs are remembered); starting at the later time',
		);
	}

	// 1. Pull every page. Nothing is claimed and the checkpoint does not move until this completes.
	const inThisPull = new Set<string>();
	// In-process, known ids are dropped page by page (memory stays flat on a long window); the
	// shared ledger is asked once the pull is complete, in one pipelined round trip.
	const knownHere = store instanceof InProcessLedgerStore ? (id: string) => store.hasSync(id, nowMs) : () => false;
	// Accepted events whose execution n8n registered but never started (a process killed in
	// between; n8n does not mark such executions crashed): after the Settle Delay they are emitted
	// here, unless their start was recorded meanwhile. Younger ones hold the checkpoint back, so
	// that the next run sees them again.
	const awaitingSince = store instanceof InProcessLedgerStore ? (id: string) => store.ledger.awaitingStartSince(id) : () => undefined;
	const stalled: PosEventItem[] = [];
	let holdCheckpointMs = Number.POSITIVE_INFINITY;
	/** An accepted event registered at `sinceMs` and not started: emitted once settled (true), else it holds the checkpoint. */
	const awaitingStart = (item: PosEventItem, sinceMs: number): boolean => {
		if (sinceMs <= nowMs - settleDelaySeconds * 1000) {
			stalled.push(item);
			return true;
		}
		const occurredMs = occurredMsOf(item);
		if (Number.isFinite(occurredMs)) holdCheckpointMs = Math.min(holdCheckpointMs, occurredMs);
		return false;
	};
	// Only the oldest Max Events per Run candidates are kept, trimmed as the pull goes (memory stays
	// bounded whatever the backlog); the checkpoint then stops before the oldest one left out.
	const kept = new OldestEvents(maxEvents);
	let withoutId = 0;
	const receivedAt = new Date(nowMs).toISOString();
	if (!window.empty) {
		try {
			await listEvents(
				ctx,
				adapter,
				window,
				{
					pageSize: apiOptions.pageSize,
					maxPages: apiOptions.maxPages,
					generic: apiOptions.generic,
					call: callOptions(baseUrl, apiOptions, itemIndex),
				},
				(page) => {
					for (const listed of page) {
						const item = listedToItem(listed, api.provider, api.credential, receivedAt);
						if (!item) {
							withoutId++;
							continue;
						}
						if (!wanted(item.type) || inThisPull.has(item.id)) continue;
						if (knownHere(item.id)) {
							const since = awaitingSince(item.id);
							if (since !== undefined && awaitingStart(item, since)) inThisPull.add(item.id);
							continue;
						}
						inThisPull.add(item.id);
						kept.add(item);
					}
				},
			);
		} catch (error) {
			if (error instanceof NodeApiError || error instanceof NodeOperationError) {
				error.description = `${error.description ? `${error.description} ` : ''}Nothing was recovered and the reconciliation checkpoint did not move: the next run retries the same window.`;
			}
			throw asNodeError(ctx, error, itemIndex);
		}
	}
	let candidates = kept.items();
	if (!(store instanceof InProcessLedgerStore) && candidates.length > 0) {
		const known = await Promise.all(candidates.map(async (item) => await store.has(item.id, nowMs)));
		// Accepted, registered, never started (a queue-mode worker killed first): as the in-process
		// ledger's stalled events above, emitted after the Settle Delay, younger ones hold the checkpoint.
		const since = marks ? await awaitingStartSince(candidates.filter((_item, i) => known[i]).map((item) => item.id), marks) : new Map<string, number>();
		for (const item of candidates) {
			const sinceMs = since.get(item.id);
			if (sinceMs !== undefined) awaitingStart(item, sinceMs);
		}
		candidates = candidates.filter((_item, i) => !known[i]);
	}
	candidates = kept.trim(candidates);
	const resumeMs = kept.resumeAtMs(window.startMs);
	if (resumeMs !== undefined) {
		ctx.logger.info(
			`POS reconciliation: more missed events than Max Events per Run (${maxEvents}); the oldest ${candidates.length} are emitted, the next run continues from ${new Date(resumeMs).toISOString()}`,
		);
	}
	if (withoutId > 0) {
		ctx.logger.warn(`POS reconciliation: ${withoutId} listed events had no event ID and were skipped (check the ID Field in API Options)`);
	}

	// 2. The pull is complete: claim, record durably, emit (see recoverCandidates).
	const recovered = await recoverCandidates(ctx, store, marks, { candidates, stalled }, itemIndex, isTest, fieldsToRemove);
	if (recovered.length > 0) store.count('recovered', recovered.length);

	const previousCheckpointMs = window.fromCheckpoint && previous.checkpoint ? Date.parse(previous.checkpoint) : Number.NaN;
	const endMs = Math.min(window.endMs, holdCheckpointMs, resumeMs ?? Number.POSITIVE_INFINITY);
	const checkpointMs = Number.isFinite(previousCheckpointMs) ? Math.max(previousCheckpointMs, endMs) : endMs;
	await store.setReconcile({
		...(await store.getReconcile()), // keeps completion tracking's state (completion.ts)
		checkpoint: new Date(checkpointMs).toISOString(),
		lastCompletedAt: new Date(Date.now()).toISOString(),
		lastRecovered: recovered.length,
	});
	persist();

	// 3. Completion tracking (optional, completion.ts): started but unfinished events, emitted again.
	let reemitted: INodeExecutionData[] = [];
	try {
		reemitted = await reemitUnfinished(ctx, {
			adapter,
			list: { pageSize: apiOptions.pageSize, generic: apiOptions.generic, call: callOptions(baseUrl, apiOptions, itemIndex) },
			toItem: (listed, receivedAt) => {
				const item = listedToItem(listed, api.provider, api.credential, receivedAt);
				if (item && fieldsToRemove.length > 0) removeFields(item.data, fieldsToRemove);
				return item;
			},
			wanted,
			store,
			marks,
			nowMs,
			itemIndex,
			emittedNow: new Set(recovered.map((r) => String(r.json.id))),
			persist,
		});
	} catch (error) {
		// The recovered events above must still go out; the re-emission is decided again next run.
		ctx.logger.warn(`POS reconciliation: re-emitting unfinished events failed this time: ${(error as Error).message}`);
	}
	return [...recovered, ...reemitted];
}

/**
 * Crash safety of reconciliation, kept apart from the pull: claim the candidates (each claim is
 * atomic, in this process or in Redis; ids a webhook claimed meanwhile are skipped), then record
 * durably that they started, as the trigger's execute() does, BEFORE emitting them. An id
 * already recorded (its webhook execution started in a process that died before saving the
 * ledger) is known again and not emitted, so no downstream effect runs twice. The stalled events
 * (accepted, execution never started) are already claimed: the same durable record decides
 * between this run and their own execution, should it start after all. Manual runs ("Execute
 * step") record nothing durably.
 */
async function recoverCandidates(
	ctx: IExecuteFunctions,
	store: LedgerStore,
	marks: MarkStore | undefined,
	found: { candidates: PosEventItem[]; stalled: PosEventItem[] },
	itemIndex: number,
	isTest: boolean,
	fieldsToRemove: readonly string[],
): Promise<INodeExecutionData[]> {
	const { candidates, stalled } = found;
	const claimMs = Date.now();
	const claims = await Promise.all(candidates.map(async (item) => await store.claim([item.id], claimMs)));
	const claimed = candidates.filter((_item, i) => claims[i] === 'new');
	const toStart = [...claimed, ...(isTest ? [] : stalled)].sort(byOccurredAt);
	let started: Set<string>;
	try {
		started = isTest ? new Set() : await recordStarted(ctx, toStart.map((item) => item.id), marks);
	} catch (error) {
		for (const item of claimed) await store.release([item.id]);
		throw asNodeError(ctx, error, itemIndex);
	}
	const recovered: INodeExecutionData[] = [];
	await Promise.all(claimed.map(async (item) => await store.confirm([item.id], claimMs)));
	if (store instanceof InProcessLedgerStore && !isTest) for (const item of stalled) store.ledger.started(item.id);
	const stalledEmitted = isTest ? 0 : stalled.filter((item) => !started.has(item.id)).length;
	if (stalledEmitted > 0) {
		ctx.logger.warn(`POS reconciliation: ${stalledEmitted} accepted event(s) whose execution never started (n8n stopped first) were emitted again`);
	}
	for (const item of toStart) {
		if (started.has(item.id)) continue;
		if (fieldsToRemove.length > 0) removeFields(item.data, fieldsToRemove);
		item.recovered = true;
		recovered.push({ json: item, pairedItem: { item: itemIndex } });
	}
	return recovered;
}

/**
 * The oldest `max` events of a pull, kept as pages arrive (APIs list newest or oldest first), and
 * where the next run must start so that none of those left out is skipped.
 */
class OldestEvents {
	private list: PosEventItem[] = [];
	private cutMs = Number.POSITIVE_INFINITY;
	private cutUntimed = false;
	/** Once `max` are kept: the newest of them. Anything newer is left out at once, never held. */
	private newestKeptMs: number | undefined;

	constructor(private readonly max: number) {}

	add(item: PosEventItem): void {
		if (this.newestKeptMs !== undefined) {
			const occurredMs = occurredMsOf(item);
			if (!Number.isFinite(occurredMs)) {
				this.cutUntimed = true; // sorts after every event with a time
				return;
			}
			if (occurredMs > this.newestKeptMs) {
				this.cutMs = Math.min(this.cutMs, occurredMs);
				return;
			}
		}
		this.list.push(item);
		if (this.list.length >= 2 * this.max) this.list = this.trim(this.list);
	}

	items(): PosEventItem[] {
		return this.list;
	}

	/** The oldest `max` of these (sorted), remembering the time of the oldest one left out. */
	trim(items: PosEventItem[]): PosEventItem[] {
		items.sort(byOccurredAt);
		if (items.length <= this.max) return items;
		for (let i = this.max; i < items.length; i++) {
			const occurredMs = occurredMsOf(items[i]);
			if (Number.isFinite(occurredMs)) this.cutMs = Math.min(this.cutMs, occurredMs);
			else this.cutUntimed = true;
		}
		const kept = items.slice(0, this.max);
		const newest = occurredMsOf(kept[kept.length - 1]);
		this.newestKeptMs = Number.isFinite(newest) ? newest : undefined;
		return kept;
	}

	/**
	 * Undefined when nothing was left out. Else a time at or before every event left out: one second
	 * before the oldest (APIs filter by whole seconds; the events kept that are re-listed from there
	 * are known by then), or the window's start when an event without a time was left out.
	 */
	resumeAtMs(windowStartMs: number): number | undefined {
		if (this.cutUntimed) return windowStartMs;
		return Number.isFinite(this.cutMs) ? Math.max(windowStartMs, this.cutMs - 1000) : undefined;
	}
}

/** Oldest first; events without a time keep their listed order, after the others. */
function byOccurredAt(a: PosEventItem, b: PosEventItem): number {
	if (a.occurredAt === b.occurredAt) return 0;
	if (a.occurredAt === null) return 1;
	if (b.occurredAt === null) return -1;
	return a.occurredAt < b.occurredAt ? -1 : 1;
}
