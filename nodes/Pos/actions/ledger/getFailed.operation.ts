import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { failedEvents } from '../event/completion';
import { openLedgerStoreFor } from '../../helpers/ledger';

const properties: INodeProperties[] = [];

export const description = updateDisplayOptions({ show: { resource: ['ledger'], operation: ['getFailed'] } }, properties);

/**
 * The dead-letter list: events Reconcile emitted again Max Re-Emits times without a Mark Done,
 * one item each, oldest first (at most 1000 are kept). Forget one to let it be processed again.
 */
export async function execute(this: IExecuteFunctions, _items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const { store } = await openLedgerStoreFor(this, 0, { live: true });
	return (await failedEvents(store)).map((failed) => ({ json: { ...failed } as IDataObject, pairedItem: { item: 0 } }));
}
