import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { asNodeError, errorItem } from './errors';

/**
 * Runs an operation once per input item. With Continue On Fail, an item's failure becomes an error
 * item and the next item runs; without it, the failure stops the node with the item's index.
 * (Event > Reconcile runs once per execution, not per item, so it handles its one item itself.)
 */
export async function forEachItem(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	run: (itemIndex: number) => Promise<INodeExecutionData[]>,
): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			out.push(...(await run(itemIndex)));
		} catch (error) {
			if (ctx.continueOnFail()) {
				out.push(errorItem(error, itemIndex));
				continue;
			}
			throw asNodeError(ctx, error, itemIndex);
		}
	}
	return out;
}
