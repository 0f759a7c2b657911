import type { INodeProperties } from 'n8n-workflow';


/** Parameters several operations share. Each operation scopes them with updateDisplayOptions. */

export const eventTypesProperty: INodeProperties = {
	displayName: 'Event Types',
	name: 'events',
	type: 'string',
	default: '*',
	placeholder: 'e.g. order.created, payment.*',
	description:
		'Which event types to include: * for all, or a comma-separated list of types as your POS names them (e.g. order.created). End an entry with * to match a prefix. Use the same value as in the POS Webhook Trigger.',
};

const maxRetriesOption: INodeProperties = {
	displayName: 'Max Retries',
	name: 'maxRetries',
	type: 'number',
	typeOptions: { minValue: 0, maxValue: 10 },
	default: 5,
	description:
		'How many times to retry a request the POS API rate-limited (HTTP 429) or failed (HTTP 5xx, network error), waiting longer each time',
};

/** API Options of the operations that list events. */
export const eventsApiOptions: INodeProperties = {
	displayName: 'API Options',
	name: 'apiOptions',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Events List Field',
			name: 'eventsField',
			type: 'string',
			default: 'events',
			description:
				'Field of the answer that holds the list of events (dots for nested fields). Standard Webhooks and Custom providers only.',
		},
		{
			displayName: 'Events Path',
			name: 'eventsPath',
			type: 'string',
			default: '/events',
			description:
				'Path of the events endpoint below the API Base URL. It is called with since, until, cursor and limit query parameters. Standard Webhooks and Custom providers only.',
		},
		{
			displayName: 'ID Field',
			name: 'idField',
			type: 'string',
			default: 'id',
			description:
				'Field of each listed event that holds its unique event ID (the one the webhook carries). Standard Webhooks and Custom providers only.',
		},
		{
			displayName: 'Max Pages',
			name: 'maxPages',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 2000,
			description:
				'Most pages to read in one run. A listing that needs more stops with an error (and Reconcile then recovers nothing and keeps its checkpoint), so a POS API that pages without end cannot keep the workflow running.',
		},
		maxRetriesOption,
		{
			displayName: 'Next Cursor Field',
			name: 'nextCursorField',
			type: 'string',
			default: 'next_cursor',
			description:
				'Field of the answer that holds the cursor of the next page; empty or missing on the last page. Standard Webhooks and Custom providers only.',
		},
		{
			displayName: 'Page Size',
			name: 'pageSize',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 1000 },
			default: 100,
			description: 'How many events to ask for per request. Stripe and Square accept at most 100.',
		},
		{
			displayName: 'Payload Field',
			name: 'payloadField',
			type: 'string',
			default: 'payload',
			description:
				'Field of each listed event that holds the webhook body. Events without it are used whole. Standard Webhooks and Custom providers only.',
		},
		{
			displayName: 'Time Field',
			name: 'timeField',
			type: 'string',
			default: 'occurred_at',
			description:
				'Field of each listed event that holds when it happened (ISO 8601 or unix time). Standard Webhooks and Custom providers only.',
		},
		{
			displayName: 'Type Field',
			name: 'typeField',
			type: 'string',
			default: 'type',
			description:
				'Field of each listed event that holds its type. Standard Webhooks and Custom providers only.',
		},
	],
};

/** API Options of Order > Get. */
export const orderApiOptions: INodeProperties = {
	displayName: 'API Options',
	name: 'apiOptions',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		maxRetriesOption,
		{
			displayName: 'Order Path',
			name: 'orderPath',
			type: 'string',
			default: '/orders/{orderId}',
			description:
				'Path of one order below the API Base URL, with {orderId} where the Order ID goes. Standard Webhooks and Custom providers only.',
		},
	],
};
