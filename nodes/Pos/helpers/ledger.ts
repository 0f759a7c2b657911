import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { describeDamage, type Ledger, type TriggerSettings } from '../../shared/ledger/Ledger';
import { ledgerFor, persistLedger, storeFor } from '../../shared/ledger/registry';
import type { MarkStore } from '../../shared/ledger/durable';
import type { InProcessLedgerStore, LedgerStore } from '../../shared/ledger/store';
import {
	LEDGER_CREDENTIAL,
	LEDGER_STORAGE_PARAMETER,
	SharedLedgerUnavailableError,
	openLedgerStore,
	storageOf,
	type LedgerStorage,
} from '../../shared/ledger/openStore';

/** What Reconcile assumes until the trigger has recorded its settings (the trigger's defaults). */
export const DEFAULT_DEDUPE_WINDOW_HOURS = 72;

/**
 * The window the POS node opens the ledger with: the longest the trigger allows. A reader never
 * expires ids with a window of its own (only the window the trigger recorded applies, see
 * Ledger.setWindow), so this only keeps a ledger the trigger has not yet described from
 * expiring anything early.
 */
const READER_WINDOW_MS = 720 * 3_600_000;

export interface OpenLedger {
	ledger: Ledger;
	/** The same ledger with the trigger's pending claims (ids whose execution is being registered). */
	store: InProcessLedgerStore;
	/** Manual runs use the test ledger and record nothing durably. */
	isTest: boolean;
	/** Marks the ledger for saving with this execution's static data (not for manual runs). */
	persist(): void;
	/** What the workflow's POS Webhook Trigger runs with, when it has recorded it. */
	trigger?: TriggerSettings;
	/** How long the trigger remembers ids (its recorded window, else its default). */
	windowMs: number;
}

/**
 * The workflow's ledger, the same in-process object the POS Webhook Trigger uses. Manual runs
 * ("Execute step", "Test workflow") get the test ledger, as the trigger's test URL does, except
 * for the Ledger operations, which exist to inspect and fix the live one.
 *
 * The window, event types, fields to remove and bound are the trigger's, recorded in the ledger
 * (set in one place); opening it never shrinks what the trigger keeps. A saved ledger that cannot
 * be read at all stops the operation (nothing is written over it); a partly readable one is
 * used and the damage logged once.
 */
export function openLedger(ctx: IExecuteFunctions, itemIndex: number, options: { live?: boolean } = {}): OpenLedger {
	// Ledger > Get Stats and Forget are run by hand from the editor to look at or fix the real
	// ledger, so they always open the live one (options.live).
	const isTest = options.live ? false : ctx.getMode() === 'manual';
	const staticData = ctx.getWorkflowStaticData('global');
	const workflowId = String(ctx.getWorkflow().id ?? 'unsaved');
	const store = storeFor({ workflowId, isTest, windowMs: READER_WINDOW_MS }, staticData);
	const ledger = store.ledger;
	if (ledger.damage?.unusable) {
		throw new NodeOperationError(ctx.getNode(), 'The saved ledger of this workflow cannot be read', {
			description: `${describeDamage(ledger.damage)}. Update n8n-nodes-pos-webhooks to the version that wrote it; nothing was changed.`,
			itemIndex,
		});
	}
	const notice = ledger.takeDamageNotice();
	if (notice) ctx.logger.warn(`POS: ${notice}`);
	const trigger = ledger.getTriggerSettings() ?? (isTest ? liveTriggerSettings(workflowId, staticData) : undefined);
	return {
		ledger,
		store,
		isTest,
		trigger,
		windowMs: (trigger?.windowHours ?? DEFAULT_DEDUPE_WINDOW_HOURS) * 3_600_000,
		persist: () => persistLedger(ledger, staticData, isTest),
	};
}

/**
 * What the trigger recorded, for operations that only read it (Get Many strips the same fields).
 * Manual runs fall back to the live ledger's record, as the test ledger may never have seen a
 * delivery.
 */
export function triggerSettingsOf(ctx: IExecuteFunctions): TriggerSettings | undefined {
	const isTest = ctx.getMode() === 'manual';
	const staticData = ctx.getWorkflowStaticData('global');
	const workflowId = String(ctx.getWorkflow().id ?? 'unsaved');
	const ledger = ledgerFor({ workflowId, isTest, windowMs: READER_WINDOW_MS }, staticData);
	return ledger.getTriggerSettings() ?? (isTest ? liveTriggerSettings(workflowId, staticData) : undefined);
}

/**
 * The trigger's recorded settings wherever Ledger Storage says they are: in static data
 * (triggerSettingsOf), or in Redis with the shared ledger, where the trigger writes them at
 * activation and nothing goes into static data. Read from the live ledger in manual runs too:
 * only reading, and a manual run's test ledger never holds them in Redis.
 */
export async function triggerSettingsFor(ctx: IExecuteFunctions, itemIndex: number): Promise<OpenLedgerStore['trigger']> {
	if (storageOf(ctx.getNodeParameter(LEDGER_STORAGE_PARAMETER, itemIndex, 'process')) !== 'redis') return triggerSettingsOf(ctx);
	return (await openLedgerStoreFor(ctx, itemIndex, { live: true })).trigger;
}

function liveTriggerSettings(workflowId: string, staticData: ReturnType<IExecuteFunctions['getWorkflowStaticData']>) {
	const live = ledgerFor({ workflowId, isTest: false, windowMs: READER_WINDOW_MS }, staticData);
	return live.damage?.unusable ? undefined : live.getTriggerSettings();
}

export interface OpenLedgerStore {
	storage: LedgerStorage;
	/** The in-process store, or the shared one in Redis (Ledger Storage "Shared (Redis)"). */
	store: LedgerStore;
	isTest: boolean;
	windowMs: number;
	/** In-process: marks the ledger for saving with this execution's static data. Shared: nothing to do. */
	persist(): void;
	/** What the workflow's POS Webhook Trigger runs with, when it has recorded it. */
	trigger?: Pick<TriggerSettings, 'windowHours' | 'events' | 'removeFields'>;
	/** Shared: where durable records go (Redis). In-process: undefined, n8n's database. */
	marks?: MarkStore;
}

/**
 * The workflow's ledger store as the node's Ledger Storage says: the in-process one (exactly as
 * openLedger: the trigger's recorded settings, damage checks), or the shared Redis one, which
 * every process of a queue-mode n8n sees (this node runs on a worker there), with the window the
 * trigger wrote there at activation. The shared store never touches static data: a worker's
 * static data is loaded as {} and saving it would overwrite what the webhook processes saved.
 */
export async function openLedgerStoreFor(ctx: IExecuteFunctions, itemIndex: number, options: { live?: boolean } = {}): Promise<OpenLedgerStore> {
	const storage = storageOf(ctx.getNodeParameter(LEDGER_STORAGE_PARAMETER, itemIndex, 'process'));
	const isTest = options.live ? false : ctx.getMode() === 'manual';
	if (storage !== 'redis' || isTest) {
		const opened = openLedger(ctx, itemIndex, options);
		return { storage: 'process', store: opened.store, isTest: opened.isTest, windowMs: opened.windowMs, persist: opened.persist, trigger: opened.trigger };
	}
	const workflowId = String(ctx.getWorkflow().id ?? 'unsaved');
	const open = async (windowMs: number) => {
		try {
			const opened = await openLedgerStore({
				storage,
				scope: { workflowId, isTest, windowMs },
				staticData: ctx.getWorkflowStaticData('global'),
				credentialId: ctx.getNode().credentials?.[LEDGER_CREDENTIAL]?.id ?? undefined,
				loadCredential: async () => (await ctx.getCredentials(LEDGER_CREDENTIAL, itemIndex)) as Record<string, unknown>,
				nowMs: Date.now(),
			});
			if (opened.kind !== 'shared') throw new Error('The shared ledger could not be opened');
			return opened.store;
		} catch (error) {
			if (error instanceof SharedLedgerUnavailableError) {
				throw new NodeOperationError(ctx.getNode(), error.message, { description: error.hint, itemIndex });
			}
			throw new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
		}
	};
	// The window, event types and fields to remove are the trigger's, written at its activation;
	// until then the trigger's defaults.
	let store = await open(DEFAULT_DEDUPE_WINDOW_HOURS * 3_600_000);
	let hours = DEFAULT_DEDUPE_WINDOW_HOURS;
	let trigger: OpenLedgerStore['trigger'];
	try {
		const settings = await store.loadSettings();
		const recorded = Number(settings.dedupeWindowHours);
		if (Number.isFinite(recorded) && recorded > 0) {
			trigger = {
				windowHours: recorded,
				events: typeof settings.events === 'string' ? settings.events : '*',
				removeFields: Array.isArray(settings.removeFields) ? settings.removeFields.map(String) : [],
			};
			if (recorded !== hours) {
				hours = recorded;
				store = await open(hours * 3_600_000);
			}
		}
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
	}
	return { storage, store, isTest, windowMs: hours * 3_600_000, persist: () => undefined, trigger, marks: store };
}
