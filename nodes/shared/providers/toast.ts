import { decodeSignature, findSignatureMatch, WebhookRejection } from '../verification';
import { header, isoTime, pathValue, text, utf8Key } from './fields';
import { scanJsonScalar } from './rawJson';
import type { PosProvider } from './types';

/**
 * Toast: "Toast-Signature", base64 HMAC-SHA256 of the body followed by the message timestamp.
 * Toast's guide says "body and timestamp" without naming where the timestamp travels: we use a
 * Toast-Timestamp header when one is sent (a per-attempt time, checked against the tolerance in
 * both directions), else the payload's "timestamp" field (unconfirmed by Toast; the custom
 * provider covers any variant). The event guid is in the body.
 *
 * The signature is checked before the body is parsed: the body's timestamp is read from the raw
 * text (scanJsonScalar) and confirmed against the parsed body once the signature verified.
 */
const BODY_TIMESTAMP = 'timestamp';

/** Toast-Timestamp as sent: unix seconds, unix milliseconds or ISO 8601. */
function headerSeconds(value: string): number {
	const iso = isoTime(value.trim());
	if (!iso) throw new WebhookRejection('invalid_timestamp', 'Toast-Timestamp is not a unix time or an ISO 8601 date');
	return Date.parse(iso) / 1000;
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

	verify({ request, keys }) {
		const value = header(request.headers, 'toast-signature');
		if (!value) throw new WebhookRejection('missing_signature', 'Missing Toast-Signature header');
		const timestampHeader = header(request.headers, 'toast-timestamp');
		const bodyTimestamp = timestampHeader === undefined ? scanJsonScalar(request.rawBody.toString('utf8'), BODY_TIMESTAMP) : undefined;
		const candidate = decodeSignature(value, 'base64');
		const payload = [request.rawBody, timestampHeader ?? bodyTimestamp ?? ''];
		const match = candidate && findSignatureMatch('sha256', keys, payload, [candidate]);
		if (!match) throw new WebhookRejection('invalid_signature', 'Signature does not match');
		if (timestampHeader !== undefined) return { match, signedTimestamp: headerSeconds(timestampHeader) };
		return { match, signedBodyFields: [{ path: BODY_TIMESTAMP, value: bodyTimestamp }] };
	},

	identify(request, body) {
		const bodyType = text(pathValue(body, 'eventType'));
		return {
			id: text(pathValue(body, 'guid')),
			type: bodyType ?? header(request.headers, 'toast-event-type'),
			occurredAt: isoTime(pathValue(body, 'timestamp')),
			locationId: header(request.headers, 'toast-restaurant-external-id'),
			// Toast-Event-Type is a header (unsigned): a request typed only by it could be re-typed.
			unsigned: bodyType === undefined ? { type: true } : undefined,
		};
	},
};
