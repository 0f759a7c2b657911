import type { IDisplayOptions, IExecuteFunctions, INodeExecutionData, INodeProperties, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as event from './actions/event/Event.resource';
import * as ledger from './actions/ledger/Ledger.resource';
import * as order from './actions/order/Order.resource';
import { router } from './actions/router';
import { posApiCredentialTest } from './methods/credentialTest';
import { testLedgerConnection } from '../shared/ledger/credentialTest';
import { ledgerStorageProperties } from '../shared/ledger/storageDescription';

/** Ledger Storage and its notice, shown where `show` matches; `description` replaces the field's own. */
function ledgerStorageWhere(show: NonNullable<IDisplayOptions['show']>, description?: string): INodeProperties[] {
	return ledgerStorageProperties.map((p) => ({
		...p,
		...(description !== undefined && p.name === 'ledgerStorage' ? { description } : {}),
		displayOptions: { show: { ...show, ...p.displayOptions?.show } },
	}));
}

export class Pos implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'POS',
		name: 'pos',
		icon: { light: 'file:../PosWebhookTrigger/pos.svg', dark: 'file:../PosWebhookTrigger/pos.dark.svg' },
		group: ['transform'],
		version: 1,
		// Readable names, as n8n's own nodes show them under the node ("Reconcile Events").
		subtitle:
			'={{ $parameter["operation"] === "reconcile" ? "Reconcile Events" : $parameter["operation"] === "getMany" ? "Get Many Events" : $parameter["operation"] === "getStats" ? "Get Ledger Stats" : $parameter["operation"] === "forget" ? "Forget Event IDs" : $parameter["operation"] === "get" ? "Get Order" : $parameter["operation"] }}',
		description:
			'Recover POS events (orders, payments) that webhooks missed, list recent POS events, look up an order by ID, and inspect or edit the memory of processed events',
		defaults: { name: 'POS' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'posApi', required: true, testedBy: 'posApiCredentialTest' },
			// Only with Ledger Storage "Shared (Redis)" (queue mode); tested by connecting (methods.credentialTest).
			{
				name: 'posLedgerRedisApi',
				required: true,
				testedBy: 'posLedgerRedisConnection',
				displayOptions: { show: { ledgerStorage: ['redis'] } },
			},
		],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Event',
						value: 'event',
						description: 'Events from the POS: new orders, payments, refunds, menu changes',
					},
					{
						name: 'Ledger',
						value: 'ledger',
						description: "The workflow's memory of processed event IDs, shared with the POS Webhook Trigger",
					},
					{
						name: 'Order',
						value: 'order',
						description: 'An order or payment in the POS',
					},
				],
				default: 'event',
			},
			...event.description,
			...ledger.description,
			// The ledger's storage, for the operations that use the ledger: as in the workflow's trigger.
			...ledgerStorageWhere({ resource: ['ledger'] }),
			...ledgerStorageWhere({ resource: ['event'], operation: ['reconcile'] }),
			// Get Many: to find the trigger's Fields to Remove, which the shared ledger keeps in Redis.
			...ledgerStorageWhere(
				{ resource: ['event'], operation: ['getMany'] },
				"Where this workflow's POS Webhook Trigger keeps its settings: listed events lose the same Fields to Remove as delivered ones. Use the same setting as in the trigger.",
			),
			...order.description,
		],
	};

	methods = {
		credentialTest: { posApiCredentialTest, posLedgerRedisConnection: testLedgerConnection },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
