import type { INodeProperties } from 'n8n-workflow';

import * as getMany from './getMany.operation';
import * as reconcile from './reconcile.operation';

export { getMany, reconcile };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['event'] } },
		options: [
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'List the POS events of a time span, in the same format as the POS Webhook Trigger',
				action: 'Get many events',
			},
			{
				name: 'Reconcile',
				value: 'reconcile',
				description:
					'Find the POS events the webhooks missed since the last run and output each of them once, marked as recovered. It records them as processed: to only look at events, use Get Many.',
				action: 'Reconcile missed events',
			},
		],
		default: 'reconcile',
	},
	...reconcile.description,
	...getMany.description,
];
