import type { INodeProperties } from 'n8n-workflow';

import { ledgerStorageProperties } from '../shared/ledger/storageDescription';

const README = 'https://github.com/n8n-nodes-pos-webhooks/n8n-nodes-pos-webhooks';

export const triggerProperties: INodeProperties[] = [
	{
		// One line; each POS's steps are in the README (the credential shows the chosen POS's own line).
		displayName: `Paste the Production URL (Webhook URLs above, Production tab) into your POS's webhook settings once. <a href="${README}#configure-your-pos" target="_blank">Steps for your POS</a>`,
		name: 'setupNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName:
			'Your POS sends orders and customer details to this address. If the Production URL starts with http:// instead of https://, they travel unencrypted: ask whoever runs your n8n to give it an https address.',
		name: 'httpsNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Event Types',
		name: 'events',
		type: 'string',
		default: '*',
		required: true,
		placeholder: 'e.g. order.created, payment.*',
		hint: `* for all events, or your POS's event names separated by commas (payment.* matches every payment event). <a href="${README}#event-types" target="_blank">Common events per POS</a>`,
		description:
			'Which events start the workflow. Other events are answered "ignored" so the POS does not retry them.',
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
	...ledgerStorageProperties.map((p) => ({ ...p, displayOptions: { show: { dedupe: [true], ...p.displayOptions?.show } } })),
	{
		displayName: 'Square Notification URL',
		name: 'notificationUrl',
		type: 'string',
		default: '',
		placeholder: 'e.g. https://n8n.example.com/webhook/…/pos',
		hint: "Square only, and only if Square's subscription URL differs from the Production URL (a proxy in between). Other POS: leave empty.",
		description: 'The URL exactly as registered in your Square subscription: Square signs it, so one character off fails every request',
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
				placeholder: 'e.g. customer.email, customer.phone_number',
				description:
					'Comma-separated paths to delete from the POS payload before the workflow sees it, to keep personal data out of executions. Use * for every key or list element, e.g. tenders.*.card. The POS node can fetch full objects by ID when a step needs them.',
			},
			{
				displayName: 'Max Events Waiting to Start',
				name: 'maxPendingEvents',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 100,
				description:
					'Accepted events whose execution n8n has not started yet, at most. Beyond this, new events are answered 503 with Retry-After, so the POS sends them again later instead of a backlog that a crash would lose.',
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
