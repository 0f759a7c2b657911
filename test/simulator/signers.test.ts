/**
 * Every simulator signer checked by the vendor's own verifier (or, where the vendor publishes none,
 * by an independent HMAC computed here from the documented scheme), and every forgery refused by it.
 */
import { createHmac } from 'node:crypto';
import type http from 'node:http';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import { WebhooksHelper } from 'square';
import { ApiVersion, LogSeverity, shopifyApi } from '@shopify/shopify-api';
import {
	DEFAULT_CUSTOM_SCHEME,
	forgeRequest,
	forgeryKindsFor,
	signRequest,
	tamperBody,
	type CustomScheme,
	type ForgeryKind,
	type ProviderName,
	type SignedRequest,
} from '../../simulator/signers';

// The node adapter registers Shopify's runtime hooks; required (not imported) because its package
// "exports" map points at compiled JS while TypeScript's node10 resolution would pick its .ts sources.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('@shopify/shopify-api/adapters/node');

const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SW_SECRET_2 = `whsec_${Buffer.from('another-key-for-rotation-32bytes').toString('base64')}`;
const STRIPE_SECRET = 'whsec_test_secret_1';
const STRIPE_SECRET_2 = 'whsec_test_secret_2';
const KEY = 'signature-key-123';
const URL = 'https://n8n.example.com/webhook/pos';
const body = JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment_intent.succeeded', data: { object: { amount: 1250 } } });
const now = () => Math.floor(Date.now() / 1000);
const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

const shopify = shopifyApi({
	apiKey: 'test-key',
	apiSecretKey: KEY,
	scopes: [],
	hostName: '127.0.0.1',
	apiVersion: ApiVersion.January25,
	isEmbeddedApp: false,
	logger: { level: LogSeverity.Error, log: async () => undefined },
});
async function shopifyValid(req: SignedRequest): Promise<boolean> {
	const rawRequest = { method: 'POST', url: '/webhooks', headers: lower(req.headers) } as unknown as http.IncomingMessage;
	const result = await shopify.webhooks.validate({ rawBody: req.body, rawRequest, rawResponse: {} as http.ServerResponse });
	return result.valid;
}

/** Toast publishes no verifier: the documented scheme, computed independently. */
function toastValid(req: SignedRequest, secret: string): boolean {
	const h = lower(req.headers);
	if (!h['toast-signature']) return false;
	const ts = String((JSON.parse(req.body) as { timestamp?: string }).timestamp ?? '');
	return createHmac('sha256', secret).update(req.body + ts).digest('base64') === h['toast-signature'];
}

/** The custom scheme, computed independently; tolerance 300 s when a timestamp is signed. */
function customValid(req: SignedRequest, secret: string, scheme: CustomScheme, url = ''): boolean {
	const h = lower(req.headers);
	const value = h[scheme.signatureHeader.toLowerCase()];
	if (!value) return false;
	const ts = scheme.timestampHeader ? h[scheme.timestampHeader.toLowerCase()] : '';
	if (scheme.template.includes('{timestamp}') && Math.abs(now() - Number(ts)) > 300) return false;
	const id = scheme.idHeader ? h[scheme.idHeader.toLowerCase()] : '';
	const signed = scheme.template.replace('{body}', req.body).replace('{timestamp}', ts).replace('{id}', id).replace('{url}', url);
	const expected = (scheme.prefix ?? '') + createHmac(scheme.algorithm, secret).update(signed).digest(scheme.encoding);
	return value.split(' ').includes(expected);
}

async function vendorAccepts(provider: ProviderName, req: SignedRequest): Promise<boolean> {
	const h = lower(req.headers);
	try {
		switch (provider) {
			case 'standardWebhooks':
				new Webhook(SW_SECRET).verify(req.body, h);
				return true;
			case 'stripe':
				Stripe.webhooks.constructEvent(req.body, h['stripe-signature'] ?? '', STRIPE_SECRET);
				return true;
			case 'square':
				return await WebhooksHelper.verifySignature({ requestBody: req.body, signatureHeader: h['x-square-hmacsha256-signature'] ?? '', signatureKey: KEY, notificationUrl: URL });
			case 'shopify':
				return await shopifyValid(req);
			case 'toast':
				return toastValid(req, KEY);
			case 'custom':
				return customValid(req, KEY, DEFAULT_CUSTOM_SCHEME);
		}
	} catch {
		return false;
	}
}

const secretFor = (p: ProviderName) => (p === 'standardWebhooks' ? SW_SECRET : p === 'stripe' ? STRIPE_SECRET : KEY);
const toastBody = JSON.stringify({ timestamp: '2025-01-01T12:00:00.000+0000', eventCategory: 'orders', eventType: 'order_updated', guid: 'g-1', details: { order: { checks: [{ amount: 12.5 }] } } });
const bodyFor = (p: ProviderName) => (p === 'toast' ? toastBody : body);
const PROVIDERS: ProviderName[] = ['standardWebhooks', 'stripe', 'square', 'shopify', 'toast', 'custom'];

describe('Standard Webhooks signer', () => {
	it('reproduces the published test vector', () => {
		const signed = signRequest('standardWebhooks', { body: '{"test": 2432232314}', secrets: SW_SECRET, id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330 });
		expect(signed.headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
		expect(signed.headers['webhook-id']).toBe('msg_p5jXN8AQM9LWM0D4loKWxJek');
		expect(signed.headers['webhook-timestamp']).toBe('1614265330');
		expect(signed.body).toBe('{"test": 2432232314}');
	});

	// svix 2.x ships ESM only for Node >= 22 (jest here runs CommonJS on Node 20); it signs with this same library.
	it('is accepted by standardwebhooks, with one signature per secret during a rotation', () => {
		const signed = signRequest('standardWebhooks', { body, secrets: [SW_SECRET, SW_SECRET_2], id: 'msg_rot' });
		expect(signed.headers['webhook-signature'].split(' ')).toHaveLength(2);
		for (const secret of [SW_SECRET, SW_SECRET_2]) {
			expect(new Webhook(secret).verify(signed.body, signed.headers)).toEqual(JSON.parse(body));
		}
	});
});

describe('Stripe signer', () => {
	it('is accepted by stripe.webhooks.constructEvent, for each secret during a roll', () => {
		const signed = signRequest('stripe', { body, secrets: [STRIPE_SECRET, STRIPE_SECRET_2] });
		const header = signed.headers['Stripe-Signature'];
		expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
		for (const secret of [STRIPE_SECRET, STRIPE_SECRET_2]) {
			expect(Stripe.webhooks.constructEvent(signed.body, header, secret).id).toBe('evt_1');
		}
	});

	it('matches the documented HMAC of "{t}.{body}"', () => {
		const signed = signRequest('stripe', { body, secrets: STRIPE_SECRET, timestamp: 1700000000 });
		const expected = createHmac('sha256', STRIPE_SECRET).update(`1700000000.${body}`).digest('hex');
		expect(signed.headers['Stripe-Signature']).toBe(`t=1700000000,v1=${expected}`);
	});
});

describe('Square signer', () => {
	it("is accepted by square's WebhooksHelper.verifySignature for the registered URL only", async () => {
		const signed = signRequest('square', { body, secrets: KEY, url: URL });
		const signatureHeader = signed.headers['x-square-hmacsha256-signature'];
		await expect(WebhooksHelper.verifySignature({ requestBody: signed.body, signatureHeader, signatureKey: KEY, notificationUrl: URL })).resolves.toBe(true);
		await expect(WebhooksHelper.verifySignature({ requestBody: signed.body, signatureHeader, signatureKey: KEY, notificationUrl: `${URL}/other` })).resolves.toBe(false);
	});
});

describe('Shopify signer', () => {
	it("is accepted by @shopify/shopify-api's webhooks.validate (offline) with every required header", async () => {
		const signed = signRequest('shopify', { body, secrets: KEY, id: 'wh-1', shopify: { topic: 'orders/paid', shopDomain: 'demo.myshopify.com' } });
		expect(await shopifyValid(signed)).toBe(true);
		const h = lower(signed.headers);
		expect(h['x-shopify-webhook-id']).toBe('wh-1');
		expect(h['x-shopify-topic']).toBe('orders/paid');
		expect(h['x-shopify-shop-domain']).toBe('demo.myshopify.com');
		expect(Date.parse(h['x-shopify-triggered-at'])).not.toBeNaN();
		expect(h['x-shopify-hmac-sha256']).toBe(createHmac('sha256', KEY).update(body).digest('base64'));
	});
});

describe('Toast signer', () => {
	it('signs body + payload timestamp and sends the Toast headers', () => {
		const signed = signRequest('toast', { body: toastBody, secrets: KEY, toast: { restaurantExternalId: 'rest-1', attemptNumber: 2 } });
		expect(toastValid(signed, KEY)).toBe(true);
		expect(signed.headers['Toast-Event-Type']).toBe('order_updated');
		expect(signed.headers['Toast-Restaurant-External-ID']).toBe('rest-1');
		expect(signed.headers['Toast-Attempt-Number']).toBe('2');
	});
});

describe('custom signer', () => {
	const cases: CustomScheme[] = [
		{ signatureHeader: 'X-Hub-Signature-256', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=', template: '{body}' },
		{ signatureHeader: 'X-Sig', algorithm: 'sha1', encoding: 'base64', template: '{timestamp}:{id}:{body}', timestampHeader: 'X-Ts', idHeader: 'X-Id' },
		{ signatureHeader: 'X-Sig', algorithm: 'sha512', encoding: 'hex', prefix: 'v1=', template: '{url}\n{body}\n{timestamp}', timestampHeader: 'X-Ts' },
	];
	it.each(cases)('signs $algorithm/$encoding over "$template"', (scheme) => {
		const signed = signRequest('custom', { body, secrets: [KEY, 'second-key'], custom: scheme, url: URL, id: 'evt_9' });
		expect(customValid(signed, KEY, scheme, URL)).toBe(true);
		expect(customValid(signed, 'second-key', scheme, URL)).toBe(true);
		expect(customValid(signed, 'not-the-key', scheme, URL)).toBe(false);
	});
});

describe('forgeries are refused by the vendor verifier', () => {
	for (const provider of PROVIDERS) {
		const kinds = forgeryKindsFor(provider);
		it(`${provider}: genuine accepted; ${kinds.join(', ')} refused${provider === 'stripe' ? ' (except future t, which stripe-node accepts)' : ''}`, async () => {
			const opts = { body: bodyFor(provider), secrets: secretFor(provider), url: URL, id: 'msg_forge', timestamp: now() };
			await expect(vendorAccepts(provider, signRequest(provider, opts))).resolves.toBe(true);
			for (const kind of kinds) {
				const forged = forgeRequest(kind, provider, opts);
				const accepted = await vendorAccepts(provider, forged);
				if (provider === 'stripe' && kind === 'futureTimestamp') {
					// stripe-node checks only the age of t, never the future: its verifier accepts this one.
					// The trigger must refuse it itself (README, "What the trigger answers": "timestamp outside the tolerance (past or future)").
					expect(accepted).toBe(true);
					expect(Number(/t=(\d+)/.exec(forged.headers['Stripe-Signature'])![1]) - now()).toBeGreaterThanOrEqual(590);
				} else {
					expect({ kind, accepted }).toEqual({ kind, accepted: false });
				}
			}
		});
	}

	it('providers without a signed time have no timestamp forgeries', () => {
		expect(forgeryKindsFor('square')).toEqual(['wrongSecret', 'tamperedBody', 'missingHeader']);
		expect(forgeryKindsFor('custom', { ...DEFAULT_CUSTOM_SCHEME, template: '{body}' })).not.toContain('staleTimestamp' as ForgeryKind);
		expect(() => forgeRequest('staleTimestamp', 'shopify', { body, secrets: KEY })).toThrow(/signs no timestamp/);
	});

	it('tamperBody changes an amount and keeps valid JSON', () => {
		const t = tamperBody(body);
		expect(t).not.toBe(body);
		expect((JSON.parse(t) as { data: { object: { amount: number } } }).data.object.amount).not.toBe(1250);
		expect(JSON.parse(tamperBody('{"a":"b"}'))).toEqual({ a: 'b', tampered: true });
	});
});
