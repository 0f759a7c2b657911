import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { callOptions, eventsStyleOf, loadPosApi, readApiOptions, requireBaseUrl } from '../../helpers/api';
import { forEachItem } from '../../helpers/forEachItem';
import { getOrder, orderIdProblem } from '../../transport';
import { orderApiOptions } from '../common.descriptions';

const properties: INodeProperties[] = [
	{
		displayName: 'Order ID',
		name: 'orderId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. pi_3NqK2x2eZvKYlo2C1',
		description:
			'ID of the order to fetch in full. Stripe: a PaymentIntent ID (pi_...). Square: an order ID. Standard Webhooks and Custom: the ID your POS API serves at the Order Path.',
	},
	orderApiOptions,
];

export const description = updateDisplayOptions({ show: { resource: ['order'], operation: ['get'] } }, properties);

/** Fetches one order (Stripe: PaymentIntent) by ID, so webhook payloads can stay minimal. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await forEachItem(this, items, async (itemIndex) => {
		const orderId = String(this.getNodeParameter('orderId', itemIndex, '') ?? '').trim();
		if (orderId === '') {
			throw new NodeOperationError(this.getNode(), 'Order ID is empty: enter the ID of the order to fetch', { itemIndex });
		}
		// Before any request: an ID is one path segment, never a path (it may come from an AI agent).
		const problem = orderIdProblem(orderId);
		if (problem !== undefined) {
			throw new NodeOperationError(this.getNode(), problem, {
				description: 'Pass the order ID exactly as the POS Webhook Trigger or the POS outputs it.',
				itemIndex,
			});
		}
		const apiOptions = readApiOptions(this, itemIndex);
		const api = await loadPosApi(this, itemIndex);
		const style = eventsStyleOf(this, api, itemIndex, 'Order > Get');
		const baseUrl = requireBaseUrl(this, api, itemIndex);
		const order = await getOrder(this, style, orderId, apiOptions.orderPath, callOptions(baseUrl, apiOptions, itemIndex));
		const json: IDataObject =
			order !== null && typeof order === 'object' && !Array.isArray(order) ? (order as IDataObject) : { order: order as IDataObject['order'] };
		return [{ json, pairedItem: { item: itemIndex } }];
	});
}
