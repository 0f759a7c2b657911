import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

import { providerOptions } from '../nodes/shared/providers/registry';
import { API_BASE_URL_EXPRESSION, API_TEST_PATH_EXPRESSION } from '../nodes/shared/providers/apiDefaults';

const customOnly = { displayOptions: { show: { provider: ['custom'] } } };

export class PosApi implements ICredentialType {
	name = 'posApi';

	displayName = 'POS API';

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
		{
			displayName: 'Signing Secret',
			name: 'signingSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'The secret your POS shows for this webhook endpoint or subscription (Stripe and Standard Webhooks: whsec_..., Square: signature key, Shopify: app client secret)',
		},
		{
			displayName: 'Previous Signing Secret',
			name: 'previousSigningSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'While you rotate the secret, paste the old one here: requests signed with either are accepted. Clear it once the POS signs with the new one.',
		},
		{
			displayName: 'API Token',
			name: 'apiToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Token for reading events back from the POS API (reconciliation). Stripe: a restricted key with Events read; Square: an access token with the needed scopes. Not needed for the trigger alone.',
		},
		{
			displayName: 'API Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://api.stripe.com',
			description:
				"Leave empty for the provider's public API (Stripe, Square). Required for Standard Webhooks and Custom: the base URL of your POS's events API. Also lets you point at a sandbox or the POS simulator.",
		},
		{
			displayName: 'Signature Header',
			name: 'customSignatureHeader',
			type: 'string',
			default: 'x-signature',
			description: 'Name of the HTTP header that carries the signature',
			...customOnly,
		},
		{
			displayName: 'Algorithm',
			name: 'customAlgorithm',
			type: 'options',
			options: [
				{ name: 'HMAC-SHA1', value: 'sha1' },
				{ name: 'HMAC-SHA256', value: 'sha256' },
				{ name: 'HMAC-SHA512', value: 'sha512' },
			],
			default: 'sha256',
			...customOnly,
		},
		{
			displayName: 'Encoding',
			name: 'customEncoding',
			type: 'options',
			options: [
				{ name: 'Hex', value: 'hex' },
				{ name: 'Base64', value: 'base64' },
			],
			default: 'hex',
			...customOnly,
		},
		{
			displayName: 'Signature Prefix',
			name: 'customSignaturePrefix',
			type: 'string',
			default: '',
			placeholder: 'sha256=',
			description: 'Text in front of each signature in the header, if any. Several signatures separated by spaces or commas are accepted.',
			...customOnly,
		},
		{
			displayName: 'Signed Payload',
			name: 'customSignedPayload',
			type: 'string',
			default: '{body}',
			placeholder: '{timestamp}.{body}',
			description: 'What the POS signs. Placeholders: {body} (raw request body), {timestamp}, {id} (event ID), {url} (notification URL).',
			...customOnly,
		},
		{
			displayName: 'Timestamp Location',
			name: 'customTimestampLocation',
			type: 'string',
			default: '',
			placeholder: 'header:x-timestamp',
			description:
				'Where the signed send time is: "header:<name>" or "body:<path>" (unix seconds, milliseconds or ISO 8601). Leave empty if the POS sends none; then stale requests cannot be detected.',
			...customOnly,
		},
		{
			displayName: 'Event ID Location',
			name: 'customEventIdLocation',
			type: 'string',
			default: 'body:id',
			description: 'Where the unique event ID is: "header:<name>" or "body:<path>", e.g. body:data.event_id',
			...customOnly,
		},
		{
			displayName: 'Event Type Location',
			name: 'customEventTypeLocation',
			type: 'string',
			default: 'body:type',
			description: 'Where the event type is: "header:<name>" or "body:<path>"',
			...customOnly,
		},
		{
			displayName: 'Location ID Location',
			name: 'customLocationIdLocation',
			type: 'string',
			default: '',
			placeholder: 'body:location_id',
			description: 'Where the store or location ID is, if any: "header:<name>" or "body:<path>"',
			...customOnly,
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiToken}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: API_BASE_URL_EXPRESSION,
			url: API_TEST_PATH_EXPRESSION,
			method: 'GET',
		},
	};
}
