import { decodeSignature, findSignatureMatch, WebhookRejection } from '../verification';
import { header, isoTime, pathValue, text, utf8Key } from './fields';
import type { PosProvider } from './types';

/**
 * Shopify (including Shopify POS): "X-Shopify-Hmac-Sha256", base64 HMAC-SHA256 of the body with
 * the app's client secret. The event id, topic and time are headers and are not signed.
 */
export const shopify: PosProvider = {
	id: 'shopify',
	displayName: 'Shopify',
	description: 'Shopify and Shopify POS webhook subscriptions',
	secretHeaders: () => ['x-shopify-hmac-sha256'],
	hasEventId: true,
	occurredAtIsSigned: false,
	setupHint:
		"In your Shopify app's configuration (or Settings > Notifications > Webhooks), subscribe to the topics you need with this node's production URL, then paste the app's client secret (or the key shown under the store's webhooks) into the credential.",

	api: { baseUrl: '', testPath: '/admin/api/2025-07/shop.json' },

	keyFromSecret: utf8Key,

	verify({ request, keys }) {
		const value = header(request.headers, 'x-shopify-hmac-sha256');
		if (!value) throw new WebhookRejection('missing_signature', 'Missing X-Shopify-Hmac-Sha256 header');
		// Shopify sends standard padded base64 only: any other spelling of the same bytes is not
		// Shopify, and refusing it keeps re-spelled copies of a captured request away from the ledger.
		const candidate = decodeSignature(value, 'base64', true);
		const match = candidate && findSignatureMatch('sha256', keys, request.rawBody, [candidate]);
		if (!match) throw new WebhookRejection('invalid_signature', 'Signature does not match');
		return { match };
	},

	identify(request, body) {
		const h = request.headers;
		return {
			// X-Shopify-Webhook-Id stays the same across retries of one delivery.
			id: header(h, 'x-shopify-webhook-id') ?? header(h, 'x-shopify-event-id'),
			type: header(h, 'x-shopify-topic'),
			occurredAt:
				isoTime(header(h, 'x-shopify-triggered-at')) ??
				isoTime(pathValue(body, 'updated_at')) ??
				isoTime(pathValue(body, 'created_at')),
			locationId: text(pathValue(body, 'location_id')) ?? header(h, 'x-shopify-shop-domain'),
			// Only the body is signed: the id and the topic are headers anyone could change.
			unsigned: { id: true, type: true },
		};
	},
};
