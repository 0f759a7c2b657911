import type { INodeProperties } from 'n8n-workflow';

import { PROVIDERS } from '../shared/providers/registry';

const setupLines = PROVIDERS.map((p) => `${p.displayName}: ${p.setupHint}`).join(' ');

export const triggerProperties: INodeProperties[] = [
	{
		displayName:
			"Your POS calls this node's Production URL (above). Register it by hand in your POS, once; this node does not create subscriptions for you. " +
			setupLines,
		name: 'setupNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName:
			"Use HTTPS: a signature proves a request came from your POS, but only TLS keeps orders and customer details private on the way. If the URL above starts with http://, set n8n's WEBHOOK_URL to your https address.",
		name: 'httpsNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Event Types',
		name: 'events',
		type: 'string',
		default: '*',
		placeholder: 'order.created, payment.*',
		description:
			'Which events start the workflow: * for all, or a comma-separated list. End an entry with * to match a prefix. Other events are answered "ignored" so the POS does not retry them.',
	},
	{
		displayName: 'Timestamp Tolerance (Seconds)',
		name: 'toleranceSeconds',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 300,
		description:
			'How far the signed send time may be from now, in the past or the future, before the request is refused as a possible replay. 0 turns the check off (not recommended).',
	},
	{
		displayName: 'Drop Duplicate Events',
		name: 'dedupe',
		type: 'boolean',
		default: true,
		description:
			'Whether to start the workflow only once per event ID. POS systems retry deliveries, so the same event can arrive several times.',
	},
	{
		displayName: 'Remember Event IDs For (Hours)',
		name: 'dedupeWindowHours',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 720 },
		default: 72,
		displayOptions: { show: { dedupe: [true] } },
		description:
			'How long an event ID is remembered. Keep it longer than your POS retries for: 72 hours covers Stripe, Square, Shopify and Toast.',
	},
	{
		displayName: 'Notification URL',
		name: 'notificationUrl',
		type: 'string',
		default: '',
		placeholder: 'https://n8n.example.com/webhook/.../pos',
		description:
			"Square only: the URL exactly as registered in your Square subscription (Square signs it). Leave empty to use this node's Production URL.",
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Include Headers',
				name: 'includeHeaders',
				type: 'boolean',
				default: false,
				description: 'Whether to add the request headers to the output (signature and authorization headers are always removed)',
			},
			{
				displayName: 'Fields to Remove',
				name: 'removeFields',
				type: 'string',
				default: '',
				placeholder: 'customer.email, customer.phone_number',
				description:
					'Comma-separated paths to delete from the POS payload before the workflow sees it, to keep personal data out of executions. Use * for every key or list element, e.g. tenders.*.card. The POS node can fetch full objects by ID when a step needs them.',
			},
			{
				displayName: 'Max Remembered Event IDs',
				name: 'maxLedgerEntries',
				type: 'number',
				typeOptions: { minValue: 1000 },
				default: 100000,
				description:
					'Upper bound on remembered IDs per workflow (about 12 bytes each in the saved workflow). When full, the oldest hour is forgotten first.',
			},
		],
	},
];
