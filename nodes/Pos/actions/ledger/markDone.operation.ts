import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { recordDone } from '../../../shared/ledger/durable';
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

/** Records in n8n's database that each item's event finished; passes the items on unchanged. */
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
			await recordDone(this, ids);
		} catch (error) {
			throw new NodeOperationError(this.getNode(), error as Error, {
				description: 'The events were handled but could not be marked done; Reconcile may emit them again.',
			});
		}
	}
	return out;
}
