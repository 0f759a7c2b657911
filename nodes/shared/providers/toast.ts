import { anySignatureMatches, decodeSignature, WebhookRejection } from '../verification';
import { header, isoTime, pathValue, text, utf8Key } from './fields';
import type { PosProvider } from './types';

/**
 * Toast: "Toast-Signature", base64 HMAC-SHA256 of the body followed by the message timestamp.
 * Toast's guide says "body and timestamp" without naming where the timestamp travels: we use a
 * Toast-Timestamp header when one is sent, else the payload's "timestamp" field (unconfirmed by
 * Toast; the custom provider covers any variant). The event guid is in the body.
 */
/** The payload's timestamp, or undefined when the body is not JSON (the signature then fails: 401, not 400). */
function bodyTimestamp(body: () => unknown): string | undefined {
	try {
		return text(pathValue(body(), 'timestamp'));
	} catch {
		return undefined;
	}
}

export const toast: PosProvider = {
	id: 'toast',
	displayName: 'Toast',
	description: 'Toast webhook subscriptions (orders, menus, stock, partners)',
	secretHeaders: () => ['toast-signature'],
	hasEventId: true,
	occurredAtIsSigned: true,
	setupHint:
		"Ask Toast (through your integration's partner portal) for a webhook subscription to this node's production URL, then paste the subscription's secret key into the credential.",

	api: { baseUrl: 'https://ws-api.toasttab.com', testPath: '/restaurants/v1/groups' },

	keyFromSecret: utf8Key,

	verify({ request, keys, body }) {
		const value = header(request.headers, 'toast-signature');
		if (!value) throw new WebhookRejection('missing_signature', 'Missing Toast-Signature header');
		const timestamp = header(request.headers, 'toast-timestamp') ?? bodyTimestamp(body) ?? '';
		const candidate = decodeSignature(value, 'base64');
		const payload = [request.rawBody, timestamp];
		if (!candidate || !anySignatureMatches('sha256', keys, payload, [candidate])) {
			throw new WebhookRejection('invalid_signature', 'Signature does not match');
		}
		return {};
	},

	identify(request, body) {
		return {
			id: text(pathValue(body, 'guid')),
			type: text(pathValue(body, 'eventType')) ?? header(request.headers, 'toast-event-type'),
			occurredAt: isoTime(pathValue(body, 'timestamp')),
			locationId: header(request.headers, 'toast-restaurant-external-id'),
		};
	},
};
