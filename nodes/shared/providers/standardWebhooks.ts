import { decodeSignature, findSignatureMatch, parseUnixSeconds, WebhookRejection } from '../verification';
import { header, isoTime, pathValue, text } from './fields';
import type { InboundRequest, PosProvider } from './types';

/**
 * Standard Webhooks (standardwebhooks.com; Svix and many newer platforms): base64 HMAC-SHA256 of
 * "{webhook-id}.{webhook-timestamp}.{body}", space-separated "v1,<sig>" list, secret "whsec_<base64>".
 * Svix sends the same scheme under svix-* header names.
 */
function headersOf(request: InboundRequest) {
	const h = request.headers;
	return {
		id: header(h, 'webhook-id') ?? header(h, 'svix-id'),
		timestamp: header(h, 'webhook-timestamp') ?? header(h, 'svix-timestamp'),
		signature: header(h, 'webhook-signature') ?? header(h, 'svix-signature'),
	};
}

export const standardWebhooks: PosProvider = {
	id: 'standardWebhooks',
	displayName: 'Standard Webhooks (Svix and Compatible)',
	description: 'Any POS that signs with the Standard Webhooks scheme (webhook-id, webhook-timestamp, webhook-signature)',
	secretHeaders: () => ['webhook-signature', 'svix-signature'],
	hasEventId: true,
	occurredAtIsSigned: false,
	setupHint:
		"In your POS's developer settings, add an endpoint with this node's production URL and paste its signing secret (whsec_...) into the credential.",

	eventsApi: 'generic',
	api: { baseUrl: '', testPath: '/events?limit=1' },

	keyFromSecret(secret) {
		const base64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
		return Buffer.from(base64, 'base64');
	},

	verify({ request, keys }) {
		const { id, timestamp, signature } = headersOf(request);
		if (!signature) throw new WebhookRejection('missing_signature', 'Missing webhook-signature header');
		if (!id) throw new WebhookRejection('missing_signature', 'Missing webhook-id header (it is part of the signature)');
		const signedTimestamp = parseUnixSeconds(timestamp);
		const candidates: Buffer[] = [];
		for (const part of signature.split(' ')) {
			if (!part.startsWith('v1,')) continue; // other versions (v1a asymmetric) are not HMAC
			// Repeated headers arrive joined with ", ": drop the separator's comma.
			const decoded = decodeSignature(part.slice(3).replace(/,$/, ''), 'base64');
			if (decoded) candidates.push(decoded);
		}
		const payload = [`${id}.${timestamp}.`, request.rawBody];
		const match = findSignatureMatch('sha256', keys, payload, candidates);
		if (!match) throw new WebhookRejection('invalid_signature', 'Signature does not match');
		return { signedTimestamp, match };
	},

	identify(request, body) {
		const { id, timestamp } = headersOf(request);
		return {
			id,
			type: text(pathValue(body, 'type')),
			occurredAt: isoTime(pathValue(body, 'timestamp')) ?? isoTime(timestamp),
			locationId: text(pathValue(body, 'data.location_id')) ?? text(pathValue(body, 'data.locationId')),
		};
	},
};
