import { decodeSignature, findSignatureMatch, parseUnixSeconds, WebhookRejection } from '../verification';
import { header, isoTime, pathValue, text, utf8Key } from './fields';
import type { PosProvider } from './types';

/**
 * Stripe (Terminal, Checkout): "Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]", hex
 * HMAC-SHA256 of "{t}.{body}". During a secret roll Stripe sends one v1 per secret: any may match.
 */
export const stripe: PosProvider = {
	id: 'stripe',
	displayName: 'Stripe',
	description: 'Stripe webhooks (Terminal, Checkout, Payments)',
	secretHeaders: () => ['stripe-signature'],
	hasEventId: true,
	occurredAtIsSigned: false,
	setupHint:
		"In the Stripe Dashboard (Developers > Webhooks), add an endpoint with this node's production URL, then paste its signing secret (whsec_...) into the credential.",

	eventsApi: 'stripe',
	api: { baseUrl: 'https://api.stripe.com', testPath: '/v1/events?limit=1' },

	keyFromSecret: utf8Key,

	verify({ request, keys }) {
		const value = header(request.headers, 'stripe-signature');
		if (!value) throw new WebhookRejection('missing_signature', 'Missing Stripe-Signature header');
		let timestamp: string | undefined;
		const candidates: Buffer[] = [];
		for (const item of value.split(',')) {
			const eq = item.indexOf('=');
			if (eq < 0) continue;
			const key = item.slice(0, eq).trim();
			const val = item.slice(eq + 1).trim();
			if (key === 't') timestamp = val;
			else if (key === 'v1') {
				const decoded = decodeSignature(val, 'hex');
				if (decoded) candidates.push(decoded);
			}
		}
		if (candidates.length === 0) throw new WebhookRejection('missing_signature', 'No v1 signature in Stripe-Signature header');
		const signedTimestamp = parseUnixSeconds(timestamp);
		const payload = [`${timestamp}.`, request.rawBody];
		const match = findSignatureMatch('sha256', keys, payload, candidates);
		if (!match) throw new WebhookRejection('invalid_signature', 'Signature does not match');
		return { signedTimestamp, match };
	},

	identify(_request, body) {
		return {
			id: text(pathValue(body, 'id')),
			type: text(pathValue(body, 'type')),
			occurredAt: isoTime(pathValue(body, 'created')),
			// Connect platforms receive events for many accounts: the account is the "location".
			locationId: text(pathValue(body, 'account')) ?? text(pathValue(body, 'data.object.metadata.location_id')),
		};
	},
};
