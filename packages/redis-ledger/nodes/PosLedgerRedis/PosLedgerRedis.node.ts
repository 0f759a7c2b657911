import {
	NodeConnectionTypes,
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { factory, registerWithMainPackage } from '../../lib/register';
import type { SharedLedgerConnection } from '../../lib/types';

// The reason this package exists: when n8n loads this node at start-up, the Redis ledger is handed
// to n8n-nodes-pos-webhooks, whose nodes then offer Ledger Storage "Shared (Redis)".
const registration = registerWithMainPackage();
if (!registration.registered) {
	console.error(`n8n-nodes-pos-webhooks-redis: ${registration.reason}`);
}

/**
 * n8n installs a community package only if it has a node, so the companion carries a small one:
 * it checks the shared ledger's Redis connection from a workflow (e.g. a health-check workflow).
 */
export class PosLedgerRedis implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'POS Ledger Redis',
		name: 'posLedgerRedisApi',
		icon: { light: 'file:pos.svg', dark: 'file:pos.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"]}}',
		description: 'Checks the Redis connection of the shared POS ledger (queue mode)',
		defaults: { name: 'POS Ledger Redis' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [{ name: 'posLedgerRedisApi', required: true }],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [{ name: 'Check Connection', value: 'checkConnection', action: 'Check the ledger connection' }],
				default: 'checkConnection',
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const data = (await this.getCredentials('posLedgerRedisApi')) as Record<string, unknown>;
		const connection: SharedLedgerConnection = {
			host: String(data.host ?? '127.0.0.1'),
			port: Number(data.port ?? 6379),
			user: data.user ? String(data.user) : undefined,
			password: data.password ? String(data.password) : undefined,
			tls: data.tls === true,
			database: Number(data.database ?? 0),
			keyPrefix: String(data.prefix ?? 'pos-ledger:'),
		};
		const started = Date.now();
		try {
			await factory.check(connection);
		} catch (error) {
			throw new NodeOperationError(this.getNode(), error as Error, { itemIndex: 0 });
		}
		return [
			[
				{
					json: {
						ok: true,
						host: connection.host,
						port: connection.port,
						database: connection.database,
						keyPrefix: connection.keyPrefix,
						registeredWithPosWebhooks: registration.registered,
						...(registration.registered ? {} : { problem: registration.reason }),
						checkMs: Date.now() - started,
					},
					pairedItem: { item: 0 },
				},
			],
		];
	}
}
