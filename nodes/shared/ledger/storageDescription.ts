import type { INodeProperties } from 'n8n-workflow';

import { COMPANION_PACKAGE } from './sharedStore';

/** "Ledger Storage", the same in both nodes: they must point at the same ledger. */
export const ledgerStorageProperties: INodeProperties[] = [
	{
		displayName: 'Ledger Storage',
		name: 'ledgerStorage',
		type: 'options',
		options: [
			{
				name: 'In-Process (Single Instance)',
				value: 'process',
				description: 'One n8n instance (regular mode): event IDs are kept in memory and in the workflow',
			},
			{
				name: 'Shared (Redis) for Queue Mode',
				value: 'redis',
				description: 'Several n8n processes (queue mode with webhook processes and workers): event IDs are kept in Redis',
			},
		],
		default: 'process',
		description:
			'Where remembered event IDs, counters and the reconciliation checkpoint are kept. Use the same setting in the POS Webhook Trigger and the POS node of a workflow.',
	},
	{
		displayName: `Shared storage needs the package ${COMPANION_PACKAGE} installed on every n8n process (main, webhook processes and workers) and a POS Ledger Redis credential, usually pointing at the Redis of your queue`,
		name: 'sharedLedgerNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { ledgerStorage: ['redis'] } },
	},
];
