import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { LedgerStats } from '../../../shared/ledger/Ledger';
import { forEachItem } from '../../helpers/forEachItem';
import { openLedgerStoreFor } from '../../helpers/ledger';

const properties: INodeProperties[] = [
	{
		displayName:
			"Shows the live ledger of this workflow. How long IDs are remembered is the POS Webhook Trigger's setting: reading the ledger never changes it.",
		name: 'statsNotice',
		type: 'notice',
		default: '',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['ledger'], operation: ['getStats'] } }, properties);

/** The ledger's counters as one flat, readable object (rejections grouped by reason). */
export function statsToJson(stats: LedgerStats): IDataObject {
	const counts = stats.counts;
	const rejectedByReason: IDataObject = {};
	let rejected = 0;
	for (const [key, value] of Object.entries(counts)) {
		if (!key.startsWith('rejected.')) continue;
		rejectedByReason[key.slice('rejected.'.length)] = value;
		rejected += value;
	}
	return {
		entries: stats.entries,
		oldestEntryAt: stats.oldestEntryAt ?? null,
		windowHours: stats.windowHours,
		// 0: no bound by count (the shared ledger keeps every id of the window).
		maxEntries: stats.maxEntries > 0 ? stats.maxEntries : null,
		accepted: counts.accepted ?? 0,
		duplicate: counts.duplicate ?? 0,
		ignored: counts.ignored ?? 0,
		rejected,
		rejectedByReason,
		recovered: counts.recovered ?? 0,
		triggerSettings: stats.trigger
			? {
					windowHours: stats.trigger.windowHours,
					events: stats.trigger.events,
					removeFields: stats.trigger.removeFields,
					maxEntries: stats.trigger.maxEntries,
				}
			: null,
		damage: stats.damage ? stats.damage.problems : null,
		lastReconciliation: {
			checkpoint: stats.reconcile.checkpoint ?? null,
			completedAt: stats.reconcile.lastCompletedAt ?? null,
			recovered: stats.reconcile.lastRecovered ?? null,
		},
	};
}

/** What the workflow's shared ledger holds: remembered IDs, counters since it was created, last reconciliation. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await forEachItem(this, items, async (itemIndex) => {
		const { store } = await openLedgerStoreFor(this, itemIndex, { live: true });
		return [{ json: statsToJson(await store.stats(Date.now())), pairedItem: { item: itemIndex } }];
	});
}
