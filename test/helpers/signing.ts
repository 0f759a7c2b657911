import { createHmac } from 'node:crypto';

import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';

import type { PosCredentialData } from '../../nodes/shared/providers/types';

/** Minimal signers for providers without a vendor signing library (Square, Shopify, Toast, custom), and signAs() for all. */
export const b64hmac = (secret: string, payload: string | Buffer, alg = 'sha256') =>
	createHmac(alg, secret).update(payload).digest('base64');
export const hexhmac = (secret: string, payload: string | Buffer, alg = 'sha256') =>
	createHmac(alg, secret).update(payload).digest('hex');

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * A credential per provider for tests that run every provider. Custom is set up with a signed
 * timestamp header and a prefix, so more of its options are exercised than with the defaults.
 */
export function credentialsFor(secret: string): Record<string, PosCredentialData> {
	return {
		standardWebhooks: { provider: 'standardWebhooks', signingSecret: secret },
		stripe: { provider: 'stripe', signingSecret: secret },
		square: { provider: 'square', signingSecret: secret },
		shopify: { provider: 'shopify', signingSecret: secret },
		toast: { provider: 'toast', signingSecret: secret },
		custom: {
			provider: 'custom',
			signingSecret: secret,
			customSignatureHeader: 'x-signature',
			customSignaturePrefix: 'sha256=',
			customSignedPayload: '{timestamp}.{body}',
			customTimestampLocation: 'header:x-timestamp',
		},
	};
}

/** What Toast appends to the body: the payload's own "timestamp" (Toast sends no timestamp header). */
export function toastTimestamp(body: string): string {
	try {
		const parsed = JSON.parse(body) as unknown;
		const value = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>).timestamp : undefined;
		if (typeof value === 'string') return value;
		if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	} catch {
		// not JSON: Toast would have signed body + ''
	}
	return '';
}

/**
 * Signs a request as each vendor does, into `headers` (their own libraries where they publish a
 * signer: standardwebhooks, stripe), for the credentials of credentialsFor(secret).
 */
export function signAs(
	provider: string,
	secret: string,
	request: { body: string; id: string; url: string; headers: Record<string, string> },
): void {
	const { body, id, url, headers: h } = request;
	switch (provider) {
		case 'standardWebhooks': {
			const when = new Date();
			h['webhook-id'] = id;
			h['webhook-timestamp'] = String(Math.floor(when.getTime() / 1000));
			h['webhook-signature'] = new Webhook(secret).sign(id, when, body);
			return;
		}
		case 'stripe':
			h['stripe-signature'] = Stripe.webhooks.generateTestHeaderString({ payload: body, secret });
			return;
		case 'square':
			h['x-square-hmacsha256-signature'] = b64hmac(secret, url + body);
			return;
		case 'shopify':
			h['x-shopify-webhook-id'] = id;
			h['x-shopify-topic'] = 'orders/paid';
			h['x-shopify-hmac-sha256'] = b64hmac(secret, body);
			return;
		case 'toast':
			delete h['toast-timestamp'];
			h['toast-signature'] = b64hmac(secret, body + toastTimestamp(body));
			return;
		case 'custom': {
			const timestamp = String(nowSeconds());
			h['x-timestamp'] = timestamp;
			h['x-signature'] = 'sha256=' + hexhmac(secret, `${timestamp}.${body}`);
			return;
		}
		default:
			throw new Error(`no signer for provider ${provider}`);
	}
}
