/**
 * Signing requests as the POS vendors do, with their own libraries where they publish a signer
 * (standardwebhooks, stripe) and node:crypto otherwise (Square). Small on purpose: the full POS
 * simulator lives in simulator/.
 */
import { createHmac } from 'node:crypto';

import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Headers webhook-id, webhook-timestamp and webhook-signature, signed by the standardwebhooks library. */
export function standardWebhooksHeaders(
	secret: string,
	{ id, body, timestamp = nowSeconds() }: { id: string; body: string; timestamp?: number },
): Record<string, string> {
	const signature = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
	return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
}

/** The Stripe-Signature header (`t=...,v1=...`), from stripe's own generateTestHeaderString. */
export function stripeSignatureHeader(secret: string, body: string, timestamp = nowSeconds()): string {
	return Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });
}

/** Square's x-square-hmacsha256-signature: base64 HMAC-SHA256 of notification URL + body. */
export function squareSignature(signatureKey: string, notificationUrl: string, body: string): string {
	return createHmac('sha256', signatureKey).update(notificationUrl + body, 'utf8').digest('base64');
}

export interface PostResult {
	status: number;
	text: string;
	/** The parsed body, or undefined when it is not JSON. */
	json: Record<string, unknown> | undefined;
	headers: Headers;
	durationMs: number;
}

/** POSTs a body exactly as given (bytes are what gets signed). Default content type: application/json. */
export async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<PostResult> {
	const started = performance.now();
	const res = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...headers },
		body,
		signal: AbortSignal.timeout(60_000),
	});
	const text = await res.text();
	let json: Record<string, unknown> | undefined;
	try {
		json = JSON.parse(text) as Record<string, unknown>;
	} catch {
		json = undefined;
	}
	return { status: res.status, text, json, headers: res.headers, durationMs: performance.now() - started };
}
