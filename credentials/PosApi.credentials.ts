import type { IAuthenticateGeneric, ICredentialType, INodeProperties } from 'n8n-workflow';

import { PROVIDERS, providerOptions } from '../nodes/shared/providers/registry';

const README = 'https://github.com/n8n-nodes-pos-webhooks/n8n-nodes-pos-webhooks';

/** Shows a field only for the given providers (the form adapts to the chosen POS). */
const forProviders = (ids: string[]) => ({ displayOptions: { show: { provider: ids } } });
const customOnly = forProviders(['custom']);

/** How each POS names things in its own dashboard, so the form speaks the user's words. */
interface CredentialTexts {
	secretName: string;
	secretPlaceholder: string;
	secretHint: string;
	/** Undefined: this provider has no API the nodes call. */
	tokenName?: string;
	tokenPlaceholder?: string;
	tokenHint?: string;
	baseUrlPlaceholder: string;
	baseUrlHint: string;
	/** One line: where the webhook is registered. The README section has the details. */
	setup: string;
	readmeSection: string;
}

const TEXTS: Record<string, CredentialTexts> = {
	standardWebhooks: {
		secretName: 'Signing Secret',
		secretPlaceholder: 'whsec_…',
		secretHint: "Shown with the webhook endpoint in your POS's developer settings (Svix: Webhooks > Endpoint > Signing Secret)",
		tokenName: 'API Token',
		tokenPlaceholder: 'Optional',
		tokenHint: "Optional: only for the POS node's Reconcile and Get Many operations",
		baseUrlPlaceholder: 'e.g. https://pos.example.com/api',
		baseUrlHint: "Needed by the POS node (not by the trigger): the address of your POS's events API, from your POS vendor",
		setup: 'Add an endpoint in your POS with the trigger\'s Production URL, then paste its signing secret here.',
		readmeSection: 'standard-webhooks-svix',
	},
	stripe: {
		secretName: 'Webhook Signing Secret',
		secretPlaceholder: 'whsec_…',
		secretHint: 'Stripe Dashboard > Developers > Webhooks > your endpoint > Signing secret (starts with whsec_)',
		tokenName: 'Restricted API Key',
		tokenPlaceholder: 'rk_live_… (optional)',
		tokenHint: "Optional: a restricted key with Events read access, for the POS node's Reconcile and Get Many",
		baseUrlPlaceholder: 'https://api.stripe.com',
		baseUrlHint: "Leave empty for Stripe's API",
		setup: 'Stripe Dashboard > Developers > Webhooks: add an endpoint with the trigger\'s Production URL.',
		readmeSection: 'stripe',
	},
	square: {
		secretName: 'Signature Key',
		secretPlaceholder: 'Signature key of the subscription',
		secretHint: 'Square Developer Console > your app > Webhooks > Subscriptions > your subscription > Signature key',
		tokenName: 'Access Token',
		tokenPlaceholder: 'EAAA… (optional)',
		tokenHint: "Optional: your app's access token (Credentials page), for the POS node's Reconcile, Get Many and Order > Get",
		baseUrlPlaceholder: 'https://connect.squareup.com',
		baseUrlHint: 'Leave empty for Square. For a Square sandbox: https://connect.squareupsandbox.com',
		setup: 'Square Developer Console > Webhooks > Subscriptions: add one with the trigger\'s Production URL.',
		readmeSection: 'square',
	},
	shopify: {
		secretName: 'Client Secret',
		secretPlaceholder: "Your app's client secret",
		secretHint: "Shopify Partner Dashboard or Dev Dashboard > your app > Settings > Client secret. For webhooks made under the store's Settings > Notifications, the key shown there.",
		tokenName: 'Admin API Access Token',
		tokenPlaceholder: 'shpat_… (optional)',
		tokenHint: "Optional: only checked by the credential test. To read orders, use n8n's Shopify node.",
		baseUrlPlaceholder: 'e.g. https://your-store.myshopify.com',
		baseUrlHint: "Your store's address, needed only to test the access token",
		setup: "Subscribe your app's webhooks to the trigger's Production URL.",
		readmeSection: 'shopify',
	},
	toast: {
		secretName: 'Webhook Secret Key',
		secretPlaceholder: 'Secret key of the subscription',
		secretHint: 'The secret key Toast gives you with the webhook subscription (partner portal or Toast support)',
		tokenName: 'API Access Token',
		tokenPlaceholder: 'Optional',
		tokenHint: 'Optional: an access token from your Toast API client, checked by the credential test',
		baseUrlPlaceholder: 'https://ws-api.toasttab.com',
		baseUrlHint: "Leave empty for Toast's production API",
		setup: "Ask Toast for a webhook subscription to the trigger's Production URL.",
		readmeSection: 'toast',
	},
	custom: {
		secretName: 'HMAC Secret Key',
		secretPlaceholder: 'The shared secret your POS signs with',
		secretHint: "Your POS's webhook settings or documentation name it (secret, signing key, shared key)",
		tokenName: 'API Token',
		tokenPlaceholder: 'Optional',
		tokenHint: "Optional: only for the POS node's Reconcile and Get Many operations",
		baseUrlPlaceholder: 'e.g. https://pos.example.com/api',
		baseUrlHint: "Needed by the POS node (not by the trigger): the address of your POS's events API, from your POS vendor",
		setup: 'Register the trigger\'s Production URL in your POS, then describe below how it signs.',
		readmeSection: 'custom-hmac',
	},
};

/** The texts for a provider; a provider added later without its own entry gets neutral words. */
export function credentialTexts(providerId: string): CredentialTexts {
	return TEXTS[providerId] ?? TEXTS.custom;
}

/** The README section of a provider: its setup steps in full. */
export function providerReadmeUrl(providerId: string): string {
	return `${README}#${credentialTexts(providerId).readmeSection}`;
}

/**
 * One field per provider for the same credential value: n8n keeps the value of the one that is
 * shown (NodeHelpers.getNodeParameters), so switching the provider keeps what was typed while the
 * label, placeholder and help follow the POS's own words.
 */
function perProvider(build: (texts: CredentialTexts, providerId: string) => INodeProperties | undefined): INodeProperties[] {
	return PROVIDERS.flatMap((p) => {
		const property = build(credentialTexts(p.id), p.id);
		return property ? [{ ...property, ...forProviders([p.id]) }] : [];
	});
}

const secretFields = perProvider((t) => ({
	displayName: t.secretName,
	name: 'signingSecret',
	type: 'string',
	typeOptions: { password: true },
	default: '',
	required: true,
	placeholder: t.secretPlaceholder,
	hint: t.secretHint,
	description: `The secret your POS uses to sign each webhook. The POS Webhook Trigger refuses any request not signed with it.`,
}));

const previousSecretFields = perProvider((t) => ({
	displayName: `Previous ${t.secretName}`,
	name: 'previousSigningSecret',
	type: 'string',
	typeOptions: { password: true },
	default: '',
	description: `Only while you rotate the ${t.secretName.toLowerCase()}: paste the old one here so requests signed with either are accepted. Clear it once the POS signs with the new one.`,
}));

const tokenFields = perProvider((t) =>
	t.tokenName
		? {
				displayName: t.tokenName,
				name: 'apiToken',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				placeholder: t.tokenPlaceholder,
				hint: t.tokenHint,
				description: 'Used by the POS node to read events and orders back from your POS. Not needed for the POS Webhook Trigger.',
			}
		: undefined,
);

const baseUrlFields = perProvider((t) => ({
	displayName: 'API Base URL',
	name: 'baseUrl',
	type: 'string',
	default: '',
	// Not `required`: n8n's server refuses to save a credential with a shown required field empty
	// (CredentialsService.validateCredentialData), and a trigger-only user needs no API at all.
	// The hint says when it is needed; the POS node says so again if it is missing.
	placeholder: t.baseUrlPlaceholder,
	hint: t.baseUrlHint,
	description: "Where the POS node and the credential test reach your POS's API",
}));

export class PosApi implements ICredentialType {
	name = 'posApi';

	// The editor's credential search ("Add credential", CredentialsSelectModal in n8n-editor-ui
	// 2.41's index-*.js) keeps a type only when `displayName.toLowerCase().includes(search)`:
	// the name must contain "square" and "pos". n8n then writes "Connect to Square or Other POS"
	// and names the saved credential "Square or Other POS account" (the " API" is dropped).
	displayName = 'Square or Other POS API';

	icon = { light: 'file:../nodes/PosWebhookTrigger/pos.svg', dark: 'file:../nodes/PosWebhookTrigger/pos.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-pos-webhooks/n8n-nodes-pos-webhooks#configure-your-pos';

	properties: INodeProperties[] = [
		{
			displayName: 'Provider',
			name: 'provider',
			type: 'options',
			options: providerOptions,
			default: 'standardWebhooks',
			description: 'Which POS sends the webhooks: it decides how requests are signed and which API the POS node calls',
		},
		...perProvider((t, id) => ({
			displayName: `${t.setup} <a href="${providerReadmeUrl(id)}" target="_blank">Step by step</a>`,
			name: 'setupNotice',
			type: 'notice',
			default: '',
		})),
		...secretFields,
		...previousSecretFields,
		{
			// Square signs the URL it calls: it belongs to the subscription, like the signature key.
			displayName: 'Notification URL',
			name: 'notificationUrl',
			type: 'string',
			default: '',
			placeholder: 'e.g. https://n8n.example.com/webhook/…/pos',
			hint: "Only if your Square subscription's URL differs from the trigger's Production URL (n8n behind a proxy). Otherwise leave empty.",
			description: 'The notification URL exactly as registered in your Square subscription: Square signs it, so one character off fails every request',
			...forProviders(['square']),
		},
		...tokenFields,
		...baseUrlFields,
		// The labels below are the words the trigger's error messages use (nodes/shared/providers/custom.ts).
		{
			displayName: 'Signature Header Name',
			name: 'customSignatureHeader',
			type: 'string',
			default: 'x-signature',
			placeholder: 'e.g. x-signature',
			description: 'Name of the HTTP header that carries the signature',
			...customOnly,
		},
		{
			displayName: 'Signature Algorithm',
			name: 'customAlgorithm',
			type: 'options',
			options: [
				{ name: 'HMAC-SHA1', value: 'sha1' },
				{ name: 'HMAC-SHA256', value: 'sha256' },
				{ name: 'HMAC-SHA512', value: 'sha512' },
			],
			default: 'sha256',
			description: "The hash your POS's documentation names for its webhook signatures",
			...customOnly,
		},
		{
			displayName: 'Signature Encoding',
			name: 'customEncoding',
			type: 'options',
			options: [
				{ name: 'Hex', value: 'hex' },
				{ name: 'Base64', value: 'base64' },
			],
			default: 'hex',
			description: 'How the signature is written in the header: hex looks like 3f9a…, base64 like P5q+…=',
			...customOnly,
		},
		{
			displayName: 'Signature Prefix',
			name: 'customSignaturePrefix',
			type: 'string',
			default: '',
			placeholder: 'e.g. sha256=',
			hint: 'Text before the signature in the header, if any. Several signatures separated by spaces or commas are accepted.',
			description: 'Text in front of each signature in the header',
			...customOnly,
		},
		{
			displayName: 'Signed Payload',
			name: 'customSignedPayload',
			type: 'string',
			default: '{body}',
			placeholder: 'e.g. {timestamp}.{body}',
			hint: 'Placeholders: {body} (raw request body), {timestamp}, {id} (event ID), {url} (notification URL)',
			description: 'The text the POS computes the signature over',
			...customOnly,
		},
		{
			displayName: 'Timestamp Location',
			name: 'customTimestampLocation',
			type: 'string',
			default: '',
			placeholder: 'e.g. header:x-timestamp',
			hint: '"header:<name>" or "body:<path>". Leave empty if the POS sends none: then replayed old requests cannot be detected.',
			description: 'Where the signed send time is (unix seconds, milliseconds or ISO 8601)',
			...customOnly,
		},
		{
			displayName: 'Event ID Location',
			name: 'customEventIdLocation',
			type: 'string',
			default: 'body:id',
			placeholder: 'e.g. body:data.event_id',
			hint: '"header:<name>" or "body:<path>"',
			description: 'Where the unique event ID is; it is what duplicates are recognised by',
			...customOnly,
		},
		{
			displayName: 'Event Type Location',
			name: 'customEventTypeLocation',
			type: 'string',
			default: 'body:type',
			placeholder: 'e.g. body:type',
			hint: '"header:<name>" or "body:<path>"',
			description: 'Where the event type (such as order.created) is',
			...customOnly,
		},
		{
			displayName: 'Store ID Location',
			name: 'customLocationIdLocation',
			type: 'string',
			default: '',
			placeholder: 'e.g. body:location_id',
			hint: '"header:<name>" or "body:<path>". Optional: lets a chain filter events by store.',
			description: 'Where the store or location ID is, if the POS sends one',
			...customOnly,
		},
	];

	// The POS node's API calls (Stripe, Square, Toast, generic events APIs) take a Bearer token.
	// Shopify's Admin API wants X-Shopify-Access-Token, but the POS node reads no Shopify API
	// (n8n's Shopify node does that); only the credential test calls it, with that header.
	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiToken}}',
			},
		},
	};
}
