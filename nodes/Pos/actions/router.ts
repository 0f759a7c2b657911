import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import * as event from './event/Event.resource';
import * as ledger from './ledger/Ledger.resource';
import type { PosType } from './node.type';
import * as order from './order/Order.resource';

type Operation = (this: IExecuteFunctions, items: INodeExecutionData[]) => Promise<INodeExecutionData[]>;

const operations: Record<PosType['resource'], Record<string, Operation>> = {
	event: { reconcile: event.reconcile.execute, getMany: event.getMany.execute },
	ledger: {
		getStats: ledger.getStats.execute,
		forget: ledger.forget.execute,
		markDone: ledger.markDone.execute,
		getFailed: ledger.getFailed.execute,
	},
	order: { get: order.get.execute },
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = Object.prototype.hasOwnProperty.call(operations, resource)
		? operations[resource as PosType['resource']][operation]
		: undefined;
	if (run === undefined) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported for the resource "${resource}"`);
	}
	return [await run.call(this, items)];
}
