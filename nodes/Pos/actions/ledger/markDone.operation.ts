import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { recordDone } from '../../../shared/ledger/durable';
import { LEDGER_STORAGE_PARAMETER, storageOf } from '../../../shared/ledger/openStore';
import { openLedgerStoreFor } from '../../helpers/ledger';
import { forEachItem } from '../../helpers/forEachItem';

const properties: INodeProperties[] = [
	{
		displayName:
			'Put this at the end of the flow that handles a POS event. Reconcile with "Re-Emit Unfinished Events" on emits again the events that never got here in time.',
		name: 'markDoneNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Event ID',
		name: 'eventId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. evt_1NqK2x2eZvKYlo2C',
		description: 'ID of the POS event whose flow finished: map the ID field the POS Webhook Trigger (or Reconcile) output',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['ledger'], operation: ['markDone'] } }, properties);

/** Records that each item's event finished (in n8n's database, or in Redis with shared storage); passes the items on unchanged. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const ids: string[] = [];
	const out = await forEachItem(this, items, async (itemIndex) => {
		const eventId = String(this.getNodeParameter('eventId', itemIndex, '') ?? '').trim();
		if (eventId === '') {
			throw new NodeOperationError(this.getNode(), 'Event ID is empty: map the ID of the event whose flow finished', { itemIndex });
		}
		ids.push(eventId);
		return [{ json: { ...items[itemIndex].json, doneEventId: eventId }, pairedItem: { item: itemIndex } }];
	});
	// Manual runs ("Execute step", "Test workflow") mark nothing in the live records.
	if (this.getMode() !== 'manual') {
		try {
			// In queue mode (Ledger Storage "Shared (Redis)") the record goes to Redis: flows finish
			// on several workers at once, and only Redis records each of them atomically.
			const shared = storageOf(this.getNodeParameter(LEDGER_STORAGE_PARAMETER, 0, 'process')) === 'redis';
			await recordDone(this, ids, shared ? (await openLedgerStoreFor(this, 0)).marks : undefined);
		} catch (error) {
			throw new NodeOperationError(this.getNode(), error as Error, {
				description: 'The events were handled but could not be marked done; Reconcile may emit them again.',
			});
		}
	}
	return out;
}
