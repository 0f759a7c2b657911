import type { IDataObject } from 'n8n-workflow';

import { DEFAULT_MAX_ENTRIES, Ledger } from './Ledger';
import { InProcessLedgerStore } from './store';

/**
 * One ledger per workflow, shared by every request and execution in this n8n process. n8n loads
 * both of our nodes with the same module cache, so the trigger and the POS node see one map.
 */
const ledgers = new Map<string, Ledger>();
const stores = new WeakMap<Ledger, InProcessLedgerStore>();

/** Key of the ledger in the workflow's global static data. */
export const STATIC_DATA_KEY = 'posWebhooksLedger';

export interface LedgerScope {
	workflowId: string;
	/** Manual ("Listen for test event", "Execute step") runs use their own, unsaved ledger. */
	isTest: boolean;
	windowMs: number;
	maxEntries?: number;
}

/**
 * The ledger of a workflow, loaded from static data the first time this process needs it
 * (after a start or restart), then kept in memory as the authority.
 */
export function ledgerFor(scope: LedgerScope, staticData: IDataObject): Ledger {
	const key = `${scope.isTest ? 'test' : 'live'}:${scope.workflowId}`;
	let ledger = ledgers.get(key);
	if (!ledger) {
		ledger = scope.isTest
			? new Ledger(scope.windowMs, scope.maxEntries ?? DEFAULT_MAX_ENTRIES)
			: Ledger.restore(staticData[STATIC_DATA_KEY], scope.windowMs, scope.maxEntries ?? DEFAULT_MAX_ENTRIES);
		ledgers.set(key, ledger);
	}
	ledger.setWindow(scope.windowMs);
	if (scope.maxEntries !== undefined && scope.maxEntries !== ledger.maxEntries) ledger.setMaxEntries(scope.maxEntries);
	return ledger;
}

/** The in-process LedgerStore of a workflow: one per ledger, so pending claims are shared too. */
export function storeFor(scope: LedgerScope, staticData: IDataObject): InProcessLedgerStore {
	const ledger = ledgerFor(scope, staticData);
	let store = stores.get(ledger);
	if (!store) {
		store = new InProcessLedgerStore(ledger);
		stores.set(ledger, store);
	}
	return store;
}

/**
 * Marks the ledger for saving with this request's (or execution's) static data.
 *
 * The value is the ledger's live persisted form (one object per ledger, updated as ids are
 * claimed): n8n saves static data after the request, possibly after other requests claimed more
 * ids, and what it serialises then is the ledger as it is at that moment, so a late save never
 * writes an older state than an earlier one.
 */
export function persistLedger(ledger: Ledger, staticData: IDataObject, isTest: boolean): void {
	if (isTest) return; // n8n never saves test snapshots; do not pretend to
	staticData[STATIC_DATA_KEY] = ledger.toJSON() as unknown as IDataObject;
}

/** For tests: forget every in-memory ledger, as an n8n restart does. */
export function resetLedgersForTest(): void {
	ledgers.clear();
}
