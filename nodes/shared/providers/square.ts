import { decodeSignature, findSignatureMatch, WebhookRejection } from '../verification';
import { header, isoTime, pathValue, text, utf8Key } from './fields';
import type { PosProvider } from './types';

/**
 * Square: "x-square-hmacsha256-signature", base64 HMAC-SHA256 of the notification URL exactly as
 * registered followed by the body. No delivery time is signed; created_at is inside the body.
 */
export const square: PosProvider = {
	id: 'square',
	displayName: 'Square',
	description: 'Square webhook subscriptions (orders, payments, catalog, labor)',
	secretHeaders: () => ['x-square-hmacsha256-signature', 'x-square-signature'],
	hasEventId: true,
	occurredAtIsSigned: true,
	setupHint:
		"In the Square Developer Console (Webhooks > Subscriptions), add a subscription whose URL is this node's production URL (or the Notification URL below, character for character), then paste its signature key into the credential.",

	eventsApi: 'square',
	api: { baseUrl: 'https://connect.squareup.com', testPath: '/v2/locations' },

	keyFromSecret: utf8Key,

	verify({ request, keys }) {
		const value = header(request.headers, 'x-square-hmacsha256-signature');
		if (!value) throw new WebhookRejection('missing_signature', 'Missing x-square-hmacsha256-signature header');
		const candidate = decodeSignature(value, 'base64');
		const payload = [request.notificationUrl, request.rawBody];
		const match = candidate && findSignatureMatch('sha256', keys, payload, [candidate]);
		if (!match) {
			throw new WebhookRejection(
				'invalid_signature',
				'Signature does not match (check that the Notification URL is exactly the one registered in Square)',
			);
		}
		return { match };
	},

	identify(_request, body) {
		return {
			id: text(pathValue(body, 'event_id')),
			type: text(pathValue(body, 'type')),
			occurredAt: isoTime(pathValue(body, 'created_at')),
			locationId:
				text(pathValue(body, 'location_id')) ??
				text(pathValue(body, `data.object.${String(pathValue(body, 'data.type'))}.location_id`)) ??
				text(pathValue(body, 'merchant_id')),
		};
	},
};
