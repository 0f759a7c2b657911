import type { INodeProperties } from 'n8n-workflow';

import * as forget from './forget.operation';
import * as getFailed from './getFailed.operation';
import * as getStats from './getStats.operation';
import * as markDone from './markDone.operation';

export { forget, getFailed, getStats, markDone };

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
				name: 'Get Failed Events',
				value: 'getFailed',
				description: 'List the events Reconcile emitted again as often as allowed without their flow reaching Mark Done',
				action: 'Get failed events',
			},
			{
				name: 'Get Stats',
				value: 'getStats',
				description:
					'Show how many event IDs are remembered and how many events were accepted, dropped as duplicates, ignored, rejected or recovered',
				action: 'Get ledger stats',
			},
			{
				name: 'Mark Done',
				value: 'markDone',
				description: 'Record that the flow of an event finished, so that Reconcile does not emit it again',
				action: 'Mark an event done',
			},
		],
		default: 'getStats',
	},
	...getStats.description,
	...forget.description,
	...markDone.description,
	...getFailed.description,
];
