import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { forEachItem } from '../../helpers/forEachItem';
import { openLedgerStoreFor } from '../../helpers/ledger';
import { forgetStarted } from '../../../shared/ledger/durable';

const properties: INodeProperties[] = [
	{
		displayName: 'Event ID',
		name: 'eventId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. evt_1NqK2x2eZvKYlo2C',
		description:
			'ID of the POS event to forget, exactly as the POS Webhook Trigger outputs it. Once forgotten, the next delivery or reconciliation of this event is processed again.',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['ledger'], operation: ['forget'] } }, properties);

/** Removes one event ID from the workflow's ledger, so that the event can be processed again. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await forEachItem(this, items, async (itemIndex) => {
		const eventId = String(this.getNodeParameter('eventId', itemIndex, '') ?? '').trim();
		if (eventId === '') {
			throw new NodeOperationError(this.getNode(), 'Event ID is empty: enter the ID of the event to forget', { itemIndex });
		}
		const { store, persist, marks } = await openLedgerStoreFor(this, itemIndex, { live: true });
		const forgotten = await store.forget(eventId);
		if (forgotten) persist();
		// The durable "started" record too, or the next delivery would be dropped as already started.
		await forgetStarted(this, eventId, marks);
		return [{ json: { eventId, forgotten }, pairedItem: { item: itemIndex } }];
	});
}
