import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { eventFilter, removeFields } from '../../../shared/event';
import { callOptions, eventsAdapterFor, eventsStyleOf, loadPosApi, readApiOptions, requireBaseUrl } from '../../helpers/api';
import { forEachItem } from '../../helpers/forEachItem';
import { listedToItem } from '../../helpers/items';
import { triggerSettingsFor } from '../../helpers/ledger';
import { parseWindowBound } from '../../helpers/window';
import { listEvents } from '../../transport';
import { eventsApiOptions, eventTypesProperty } from '../common.descriptions';

const DAY_MS = 86_400_000;

const properties: INodeProperties[] = [
	{
		displayName: 'Since',
		name: 'since',
		type: 'dateTime',
		default: '',
		description: 'Earliest time an event may have happened to be listed. Leave empty for 24 hours before Until.',
	},
	{
		displayName: 'Until',
		name: 'until',
		type: 'dateTime',
		default: '',
		description: 'Latest time an event may have happened to be listed. Leave empty for now.',
	},
	eventTypesProperty,
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { returnAll: [false] } },
	},
	eventsApiOptions,
];

export const description = updateDisplayOptions({ show: { resource: ['event'], operation: ['getMany'] } }, properties);

/**
 * Lists the POS's events for a time span, in the trigger's output format, in the order the POS
 * API lists them (Stripe: newest first; Square and generic APIs: oldest first). Read only: the
 * ledger is not consulted or changed.
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await forEachItem(this, items, async (itemIndex) => {
		return await getMany(this, itemIndex);
	});
}

async function getMany(ctx: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const nowMs = Date.now();
	const untilMs = parseWindowBound(ctx.getNodeParameter('until', itemIndex, ''), nowMs);
	const sinceMs = parseWindowBound(ctx.getNodeParameter('since', itemIndex, ''), untilMs - DAY_MS);
	if (!Number.isFinite(sinceMs) || !Number.isFinite(untilMs)) {
		throw new NodeOperationError(ctx.getNode(), 'Since and Until must be dates, e.g. 2025-06-01T12:00:00Z', { itemIndex });
	}
	if (sinceMs > untilMs) {
		throw new NodeOperationError(ctx.getNode(), 'Since must be before Until', { itemIndex });
	}
	const returnAll = ctx.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const limit = returnAll ? Number.POSITIVE_INFINITY : Number(ctx.getNodeParameter('limit', itemIndex, 50));
	if (!(limit >= 1)) throw new NodeOperationError(ctx.getNode(), 'Limit must be 1 or more', { itemIndex });
	const wanted = eventFilter(String(ctx.getNodeParameter('events', itemIndex, '*') ?? '*'));

	const apiOptions = readApiOptions(ctx, itemIndex);
	const api = await loadPosApi(ctx, itemIndex);
	const adapter = eventsAdapterFor(eventsStyleOf(ctx, api, itemIndex, 'listing events'));
	const baseUrl = requireBaseUrl(ctx, api, itemIndex);
	const receivedAt = new Date(nowMs).toISOString();
	const pageSize = Number.isFinite(limit) ? Math.min(apiOptions.pageSize, limit) : apiOptions.pageSize;
	// Events leave the package in one shape: the fields the trigger removes are removed here too.
	const fieldsToRemove = (await triggerSettingsFor(ctx, itemIndex))?.removeFields ?? [];

	const out: INodeExecutionData[] = [];
	await listEvents(
		ctx,
		adapter,
		{ startMs: sinceMs, endMs: untilMs },
		{ pageSize, maxPages: apiOptions.maxPages, generic: apiOptions.generic, call: callOptions(baseUrl, apiOptions, itemIndex) },
		(page) => {
			for (const listed of page) {
				const item = listedToItem(listed, api.provider, api.credential, receivedAt);
				if (!item || !wanted(item.type)) continue;
				if (fieldsToRemove.length > 0) removeFields(item.data, fieldsToRemove);
				out.push({ json: item, pairedItem: { item: itemIndex } });
				if (out.length >= limit) return false;
			}
			return true;
		},
	);
	return out;
}
