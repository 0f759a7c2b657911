import type { INodeProperties } from 'n8n-workflow';

import { ledgerStorageProperties } from '../shared/ledger/storageDescription';

const README = 'https://github.com/n8n-nodes-pos-webhooks/n8n-nodes-pos-webhooks';

/**
 * Common event types per POS (README "Event types"), offered as a list; any other name goes in
 * Other Event Types. Standard Webhooks and Custom HMAC have no fixed names.
 */
export const COMMON_EVENT_TYPES: Record<string, { label: string; events: string[] }> = {
	square: {
		label: 'Square',
		events: ['catalog.version.updated', 'inventory.count.updated', 'loyalty.event.created', 'order.created', 'order.fulfillment.updated', 'order.updated', 'payment.created', 'payment.updated', 'refund.created'],
	},
	shopify: {
		label: 'Shopify',
		events: ['inventory_levels/update', 'orders/cancelled', 'orders/create', 'orders/paid', 'orders/updated', 'refunds/create'],
	},
	stripe: {
		label: 'Stripe',
		events: ['charge.refunded', 'checkout.session.completed', 'payment_intent.payment_failed', 'payment_intent.succeeded', 'terminal.reader.action_succeeded'],
	},
	toast: { label: 'Toast', events: ['menus_updated', 'order_updated'] },
};

/** What each common event means, in a restaurant's words (shown under the event in the list). */
const EVENT_MEANINGS: Record<string, string> = {
	'catalog.version.updated': 'Menu items or the catalog changed',
	'inventory.count.updated': 'A stock count changed',
	'loyalty.event.created': 'Loyalty points earned, redeemed or adjusted',
	'order.created': 'A new order',
	'order.fulfillment.updated': "An order's pickup or delivery status changed",
	'order.updated': 'An order changed, e.g. paid or completed',
	'payment.created': 'A payment was started',
	'payment.updated': 'A payment changed, e.g. completed',
	'refund.created': 'A refund was made',
	'inventory_levels/update': 'A stock level changed',
	'orders/cancelled': 'An order was cancelled',
	'orders/create': 'A new order',
	'orders/paid': 'An order was paid',
	'orders/updated': 'An order changed',
	'refunds/create': 'A refund was made',
	'charge.refunded': 'A payment was refunded',
	'checkout.session.completed': 'A customer finished checking out',
	'payment_intent.payment_failed': 'A payment failed',
	'payment_intent.succeeded': 'A payment went through',
	'terminal.reader.action_succeeded': 'A card reader finished a payment or refund',
	menus_updated: 'The menu was published or changed',
	order_updated: 'An order was created or changed',
};

const COMMON_EVENT_OPTIONS = Object.values(COMMON_EVENT_TYPES)
	.flatMap(({ label, events }) => events.map((event) => ({ name: `${label}: ${event}`, value: event, description: EVENT_MEANINGS[event] })))
	.sort((a, b) => a.name.localeCompare(b.name));

type ParameterReader = (name: string, fallback: unknown) => unknown;

/**
 * The event types the trigger accepts, as one comma-separated filter ("*" for all): the types
 * chosen from the list, Other Event Types, and the earlier free-text field (saved workflows), when
 * it holds more than its default "*". Nothing at all means every event, as before.
 */
export function readEventTypes(get: ParameterReader): string {
	const earlier = String(get('events', '*') ?? '*').trim();
	const chosen = get('eventTypes', []);
	const parts = [
		...(earlier === '*' ? [] : earlier.split(',')),
		...(Array.isArray(chosen) ? chosen.map(String) : []),
		...String(get('otherEventTypes', '') ?? '').split(','),
	]
		.map((part) => part.trim())
		.filter((part) => part !== '');
	return parts.length === 0 ? '*' : [...new Set(parts)].join(', ');
}

/** The node's subtitle on the canvas: the same combination as readEventTypes. */
export const EVENT_TYPES_SUBTITLE =
	'={{ ((types) => types.length ? "Events: " + types.join(", ") : "All Events")([$parameter["events"] === "*" ? "" : $parameter["events"]].concat($parameter["eventTypes"] || [], $parameter["otherEventTypes"] || "").filter((type) => type)) }}';

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
		name: 'eventTypes',
		type: 'multiOptions',
		options: COMMON_EVENT_OPTIONS,
		default: [],
		hint: `Leave empty for all events. Not in the list? Add it under Other Event Types. <a href="${README}#event-types" target="_blank">Event names per POS</a>`,
		description:
			'Which events start the workflow. Other events are answered "ignored" so the POS does not retry them.',
	},
	{
		displayName: 'Other Event Types',
		name: 'otherEventTypes',
		type: 'string',
		default: '',
		placeholder: 'e.g. invoice.paid, payment.*',
		hint: "Any event name your POS sends, separated by commas; payment.* matches every payment event",
		description: 'Event types to accept besides those chosen above',
	},
	{
		// The free-text field of the first release, kept so saved workflows work unchanged. Hidden
		// while it reads "all events" (empty or "*"): n8n shows a parameter when its displayOptions
		// hold, and they may refer to the parameter itself (NodeHelpers.displayParameter). A new
		// node has no value: hidden, read as "*". Plain values, not a `_cnd: { regex }` condition:
		// n8n checks displayOptions every time it builds the workflow, several times per webhook
		// request, and runs a regex condition in a fresh vm context with a timeout (n8n-workflow
		// safe-regex.js): about 9 % of n8n's CPU per request in a profile.
		displayName: 'Event Types (Earlier Field)',
		name: 'events',
		type: 'string',
		default: '*',
		displayOptions: { show: { events: [{ _cnd: { exists: true } }] }, hide: { events: ['*', ' *', '* ', ' * '] } },
		hint: 'From an earlier version of this node, still applied together with the two fields above. Set it to * to use only them.',
		description: 'Comma-separated event types, * for all',
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
		// Moved to the credential (Square only, beside its signature key); kept for saved workflows
		// that set it, and shown only to them (it hides itself while empty).
		displayName: 'Square Notification URL',
		name: 'notificationUrl',
		type: 'string',
		default: '',
		displayOptions: { show: { notificationUrl: [{ _cnd: { exists: true } }] } },
		placeholder: 'e.g. https://n8n.example.com/webhook/…/pos',
		hint: 'Square only. Now set in the Square credential; this one, if filled, wins. Clear it to use the credential\'s.',
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
