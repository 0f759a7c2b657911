import type { IDataObject } from 'n8n-workflow';

import { DEFAULT_MAX_ENTRIES, Ledger } from './Ledger';

/**
 * One ledger per workflow, shared by every request and execution in this n8n process. n8n loads
 * both of our nodes with the same module cache, so the trigger and the POS node see one map.
 */
const ledgers = new Map<string, Ledger>();

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
	return ledger;
}

/**
 * Marks the ledger for saving with this request's static data. n8n saves static data after the
 * request (or execution), possibly after other requests have claimed ids: the value written is a
 * LiveLedger whose toJSON() reads the ledger at save time, so a later save never writes an older
 * state than an earlier one. Its own fields are a snapshot, for any copy that skips toJSON.
 */
export function persistLedger(ledger: Ledger, staticData: IDataObject, isTest: boolean): void {
	if (isTest) return; // n8n never saves test snapshots; do not pretend to
	staticData[STATIC_DATA_KEY] = new LiveLedger(ledger) as unknown as IDataObject;
}

class LiveLedger {
	constructor(private readonly ledger: Ledger) {
		Object.assign(this, ledger.toJSON());
		Object.defineProperty(this, 'ledger', { enumerable: false });
	}

	toJSON() {
		return this.ledger.toJSON();
	}
}

/** For tests: forget every in-memory ledger, as an n8n restart does. */
export function resetLedgersForTest(): void {
	ledgers.clear();
}
