/**
 * Every provider preset against its vendor's own library: what the vendor signs, we accept;
 * what the vendor refuses (tampered, wrong secret, missing header, stale, future), we refuse.
 */
import { WebhooksHelper } from 'square';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';

import { processDelivery, type DeliverySettings } from '../../../../nodes/PosWebhookTrigger/processDelivery';
import { buildSigningConfig } from '../../../../nodes/shared/signingConfig';
import type { InboundRequest, PosCredentialData } from '../../../../nodes/shared/providers/types';
import { b64hmac, nowSeconds } from '../../../helpers/signing';

// Loaded with require: @shopify/shopify-api ships TypeScript sources that do not type-check
// under our compiler settings; only its runtime behaviour matters here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('@shopify/shopify-api/adapters/node');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ApiVersion, shopifyApi } = require('@shopify/shopify-api');

const settings: DeliverySettings = {
	events: '*',
	toleranceSeconds: 300,
	dedupe: false,
	dedupeWindowHours: 72,
	includeHeaders: false,
	removeFields: [],
};
const URL = 'https://n8n.example.com/webhook/abc/pos';

function run(credential: PosCredentialData, headers: Record<string, string>, body: string, nowMs = Date.now()) {
	const lower: Record<string, string> = {};
	for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
	const request: InboundRequest = { headers: lower, rawBody: Buffer.from(body, 'utf8'), notificationUrl: URL };
	return processDelivery(request, buildSigningConfig(credential, nowMs), settings, undefined, nowMs);
}

const reasonOf = (r: ReturnType<typeof run>) => (r.kind === 'rejected' ? `${r.status} ${r.reason}` : r.kind);

describe('Standard Webhooks', () => {
	const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
	const cred = { provider: 'standardWebhooks', signingSecret: secret };

	it('accepts the published test vector (at its own time)', () => {
		const headers = {
			'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
			'webhook-timestamp': '1614265330',
			'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
		};
		const r = run(cred, headers, '{"test": 2432232314}', 1614265330 * 1000);
		expect(r.kind).toBe('accepted');
		// The same request today is a replay.
		expect(reasonOf(run(cred, headers, '{"test": 2432232314}'))).toBe('401 timestamp_too_old');
	});

	function signed(body: string, id = 'msg_1', when = new Date(), key = secret) {
		const wh = new StandardWebhook(key);
		return {
			'webhook-id': id,
			'webhook-timestamp': String(Math.floor(when.getTime() / 1000)),
			'webhook-signature': wh.sign(id, when, body),
		};
	}

	it('accepts what the standardwebhooks library signs, and the library accepts the same request', () => {
		const body = JSON.stringify({ type: 'order.paid', timestamp: new Date().toISOString(), data: { order_id: 'o1', location_id: 'L1' } });
		const headers = signed(body);
		expect(() => new StandardWebhook(secret).verify(body, headers)).not.toThrow();
		const r = run(cred, headers, body);
		expect(r.kind).toBe('accepted');
		if (r.kind === 'accepted') {
			expect(r.item).toMatchObject({ id: 'msg_1', type: 'order.paid', provider: 'standardWebhooks', locationId: 'L1' });
		}
	});

	it('accepts the same scheme under Svix header names (svix-id, svix-timestamp, svix-signature)', () => {
		// svix 2.x ships ESM only (jest here runs CommonJS); Svix signs with this same scheme.
		const body = JSON.stringify({ type: 'order.paid', data: {} });
		const when = new Date();
		const sig = new StandardWebhook(secret).sign('msg_svix', when, body);
		const headers = { 'svix-id': 'msg_svix', 'svix-timestamp': String(Math.floor(when.getTime() / 1000)), 'svix-signature': sig };
		expect(run(cred, headers, body).kind).toBe('accepted');
	});

	it('accepts any of several signatures and the previous secret during rotation', () => {
		const body = '{"type":"order.paid"}';
		const other = 'whsec_' + Buffer.from('another key of 24 bytes!').toString('base64');
		const a = signed(body, 'msg_2', new Date(), other);
		const b = signed(body, 'msg_2', new Date(), secret);
		const both = { ...a, 'webhook-signature': `${a['webhook-signature']} ${b['webhook-signature']}` };
		expect(run(cred, both, body).kind).toBe('accepted');
		expect(run({ provider: 'standardWebhooks', signingSecret: other, previousSigningSecret: secret }, b, body).kind).toBe('accepted');
		expect(reasonOf(run({ provider: 'standardWebhooks', signingSecret: other }, b, body))).toBe('401 invalid_signature');
	});

	it('refuses what the library refuses', () => {
		const body = '{"type":"order.paid"}';
		const lib = new StandardWebhook(secret);
		const cases: Array<[string, Record<string, string>, string, string]> = [
			['tampered body', signed(body), body.replace('paid', 'void'), '401 invalid_signature'],
			['wrong secret', signed(body, 'msg_3', new Date(), 'whsec_' + Buffer.from('wrong').toString('base64')), body, '401 invalid_signature'],
			// 10 s past the 300 s tolerance: 1 s was flaky (a second boundary between signing and checking).
			['stale', signed(body, 'msg_4', new Date(Date.now() - 310_000)), body, '401 timestamp_too_old'],
			['future', signed(body, 'msg_5', new Date(Date.now() + 310_000)), body, '401 timestamp_in_future'],
		];
		for (const [name, headers, sentBody, expected] of cases) {
			expect(() => lib.verify(sentBody, headers)).toThrow();
			expect([name, reasonOf(run(cred, headers, sentBody))]).toEqual([name, expected]);
		}
		const missing = signed(body);
		for (const h of ['webhook-signature', 'webhook-id', 'webhook-timestamp'] as const) {
			const headers: Record<string, string> = { ...missing };
			delete headers[h];
			expect(() => lib.verify(body, headers)).toThrow();
			expect(run(cred, headers, body)).toMatchObject({ kind: 'rejected', status: 401 });
		}
	});
});

describe('Stripe', () => {
	const secret = 'whsec_test_secret_for_stripe';
	const stripe = new Stripe('sk_test_dummy');
	const cred = { provider: 'stripe', signingSecret: secret };
	const event = (id: string) =>
		JSON.stringify({ id, object: 'event', type: 'payment_intent.succeeded', created: nowSeconds(), data: { object: { id: 'pi_1', amount: 1250 } } }, null, 2);

	it('accepts what stripe-node signs and constructEvent accepts', () => {
		const body = event('evt_1');
		const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret });
		expect(stripe.webhooks.constructEvent(body, header, secret).id).toBe('evt_1');
		const r = run(cred, { 'Stripe-Signature': header }, body);
		expect(r).toMatchObject({ kind: 'accepted', item: { id: 'evt_1', type: 'payment_intent.succeeded', provider: 'stripe' } });
	});

	it('accepts any v1 during a secret roll, and the previous secret', () => {
		const body = event('evt_2');
		const t = nowSeconds();
		const oldSig = stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_old', timestamp: t });
		const newSig = stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: t });
		const both = `${newSig},v1=${oldSig.split('v1=')[1]}`.replace(/,v1=([0-9a-f]+),v1=/, ',v1=$1,v1=');
		expect(run({ provider: 'stripe', signingSecret: 'whsec_old' }, { 'stripe-signature': both }, body).kind).toBe('accepted');
		expect(run({ provider: 'stripe', signingSecret: secret, previousSigningSecret: 'whsec_old' }, { 'stripe-signature': oldSig }, body).kind).toBe(
			'accepted',
		);
	});

	it('refuses tampered, wrong secret, missing, stale and future (stripe-node checks only age; we check both)', () => {
		const body = event('evt_3');
		const good = stripe.webhooks.generateTestHeaderString({ payload: body, secret });
		const wrong = stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_wrong' });
		const stale = stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: nowSeconds() - 310 });
		const future = stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: nowSeconds() + 310 });
		expect(() => stripe.webhooks.constructEvent(body + ' ', good, secret)).toThrow();
		expect(() => stripe.webhooks.constructEvent(body, wrong, secret)).toThrow();
		expect(() => stripe.webhooks.constructEvent(body, stale, secret)).toThrow();
		expect(reasonOf(run(cred, { 'stripe-signature': good }, body + ' '))).toBe('401 invalid_signature');
		expect(reasonOf(run(cred, { 'stripe-signature': wrong }, body))).toBe('401 invalid_signature');
		expect(reasonOf(run(cred, {}, body))).toBe('401 missing_signature');
		expect(reasonOf(run(cred, { 'stripe-signature': 't=123' }, body))).toBe('401 missing_signature');
		expect(reasonOf(run(cred, { 'stripe-signature': stale }, body))).toBe('401 timestamp_too_old');
		expect(reasonOf(run(cred, { 'stripe-signature': future }, body))).toBe('401 timestamp_in_future');
	});
});

describe('Square', () => {
	const key = 'square-signature-key';
	const cred = { provider: 'square', signingSecret: key };
	const event = (id: string, createdAt = new Date().toISOString()) =>
		JSON.stringify({
			merchant_id: 'M1',
			type: 'order.updated',
			event_id: id,
			created_at: createdAt,
			data: { type: 'order', id: 'o1', object: { order_updated: { order_id: 'o1', location_id: 'LOC1', state: 'COMPLETED' } } },
		});

	it('accepts a signature that the square SDK verifies, and refuses what it refuses', async () => {
		const body = event('e-1');
		const sig = b64hmac(key, URL + body);
		expect(await WebhooksHelper.verifySignature({ requestBody: body, signatureHeader: sig, signatureKey: key, notificationUrl: URL })).toBe(true);
		expect(run(cred, { 'x-square-hmacsha256-signature': sig }, body)).toMatchObject({
			kind: 'accepted',
			item: { id: 'e-1', type: 'order.updated', provider: 'square', locationId: 'M1' },
		});

		const otherUrl = 'https://n8n.example.com/webhook/abc/pos/';
		const cases: Array<[string, string, string]> = [
			[body + '\n', sig, 'tampered'],
			[body, b64hmac('wrong', URL + body), 'wrong key'],
			[body, b64hmac(key, otherUrl + body), 'other URL'],
		];
		for (const [sent, s, name] of cases) {
			expect([name, await WebhooksHelper.verifySignature({ requestBody: sent, signatureHeader: s, signatureKey: key, notificationUrl: URL })]).toEqual([
				name,
				false,
			]);
			expect([name, reasonOf(run(cred, { 'x-square-hmacsha256-signature': s }, sent))]).toEqual([name, '401 invalid_signature']);
		}
		expect(reasonOf(run(cred, {}, body))).toBe('401 missing_signature');
	});

	it('bounds replays by the signed created_at (older than the dedupe window, or in the future)', () => {
		const old = event('e-2', new Date(Date.now() - 73 * 3600_000).toISOString());
		const future = event('e-3', new Date(Date.now() + 3600_000).toISOString());
		const r1 = processDelivery(
			{ headers: { 'x-square-hmacsha256-signature': b64hmac(key, URL + old) }, rawBody: Buffer.from(old), notificationUrl: URL },
			buildSigningConfig(cred, Date.now()),
			{ ...settings, dedupe: true },
			undefined,
			Date.now(),
		);
		expect(reasonOf(r1)).toBe('401 timestamp_too_old');
		expect(reasonOf(run(cred, { 'x-square-hmacsha256-signature': b64hmac(key, URL + future) }, future))).toBe('401 timestamp_in_future');
	});
});

describe('Shopify', () => {
	const secret = 'shopify-app-secret';
	const cred = { provider: 'shopify', signingSecret: secret };
	const shopify = shopifyApi({
		apiKey: 'key',
		apiSecretKey: secret,
		scopes: ['read_orders'],
		hostName: 'localhost',
		isEmbeddedApp: false,
		apiVersion: ApiVersion.July25,
		logger: { level: 0 },
	});

	function headers(body: string, hmac = b64hmac(secret, body)) {
		return {
			'x-shopify-hmac-sha256': hmac,
			'x-shopify-topic': 'orders/paid',
			'x-shopify-api-version': '2025-07',
			'x-shopify-shop-domain': 'pizza.myshopify.com',
			'x-shopify-webhook-id': 'wh-1',
			'x-shopify-event-id': 'ev-1',
			'x-shopify-triggered-at': new Date().toISOString(),
		};
	}

	it('accepts what @shopify/shopify-api validates, refuses what it refuses', async () => {
		const body = JSON.stringify({ id: 1001, total_price: '12.50', location_id: 77 });
		const good = headers(body);
		const validate = (b: string, h: Record<string, string>) =>
			shopify.webhooks.validate({ rawBody: b, rawRequest: { headers: h, method: 'POST', url: '/' } as never, rawResponse: {} as never });
		expect((await validate(body, good)).valid).toBe(true);
		expect(run(cred, good, body)).toMatchObject({
			kind: 'accepted',
			item: { id: 'wh-1', type: 'orders/paid', provider: 'shopify', locationId: '77' },
		});
		const wrong = headers(body, b64hmac('wrong', body));
		expect((await validate(body, wrong)).valid).toBe(false);
		expect(reasonOf(run(cred, wrong, body))).toBe('401 invalid_signature');
		expect((await validate(body + ' ', good)).valid).toBe(false);
		expect(reasonOf(run(cred, good, body + ' '))).toBe('401 invalid_signature');
		const { 'x-shopify-hmac-sha256': _drop, ...missing } = good;
		expect(reasonOf(run(cred, missing, body))).toBe('401 missing_signature');
	});
});

describe('Toast (no vendor library: HMAC of body + timestamp as Toast documents)', () => {
	const secret = 'toast-secret';
	const cred = { provider: 'toast', signingSecret: secret };
	const body = (ts: string) =>
		JSON.stringify({ timestamp: ts, eventCategory: 'orders', eventType: 'order_updated', guid: 'g-1', details: { order: {} } });

	it('accepts body+timestamp signatures and refuses tampering, wrong secret and old replays', () => {
		const ts = new Date().toISOString();
		const b = body(ts);
		const h = { 'toast-signature': b64hmac(secret, b + ts), 'toast-restaurant-external-id': 'R-9' };
		expect(run(cred, h, b)).toMatchObject({ kind: 'accepted', item: { id: 'g-1', type: 'order_updated', locationId: 'R-9' } });
		expect(reasonOf(run(cred, { 'toast-signature': b64hmac(secret, b) }, b))).toBe('401 invalid_signature');
		expect(reasonOf(run(cred, { 'toast-signature': b64hmac('x', b + ts) }, b))).toBe('401 invalid_signature');
		expect(reasonOf(run(cred, {}, b))).toBe('401 missing_signature');
		expect(reasonOf(run(cred, { 'toast-signature': 'bm90IGpzb24=' }, 'not json'))).toBe('401 invalid_signature');
	});
});
