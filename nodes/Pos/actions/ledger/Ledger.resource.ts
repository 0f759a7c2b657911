import type { INodeProperties } from 'n8n-workflow';

import * as forget from './forget.operation';
import * as getStats from './getStats.operation';

export { forget, getStats };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['ledger'] } },
		options: [
			{
				name: 'Forget',
				value: 'forget',
				description: 'Remove one event ID from the memory of processed events, so that the event can be processed again',
				action: 'Forget an event ID',
			},
			{
				name: 'Get Stats',
				value: 'getStats',
				description:
					'Show how many event IDs are remembered and how many events were accepted, dropped as duplicates, ignored, rejected or recovered',
				action: 'Get ledger stats',
			},
		],
		default: 'getStats',
	},
	...getStats.description,
	...forget.description,
];
