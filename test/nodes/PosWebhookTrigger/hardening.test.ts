/**
 * Hardening regressions (issue 9), each through the trigger's webhook() as n8n calls it: replays
 * under re-spelled signatures, ignored events re-typed, Toast's signed timestamp, verify before
 * parse, a UTF-8 BOM, and saved ledgers that cannot be read in full.
 */
import { createHmac } from 'node:crypto';

import type { IDataObject } from 'n8n-workflow';
import { Webhook as StandardWebhook } from 'standardwebhooks';

import { PosWebhookTrigger } from '../../../nodes/PosWebhookTrigger/PosWebhookTrigger.node';
import { resetLedgersForTest, STATIC_DATA_KEY } from '../../../nodes/shared/ledger/registry';
import type { PosCredentialData } from '../../../nodes/shared/providers/types';
import { fakeWebhookContext, webhookAsN8n, savedCopy, type FakeRequest } from '../../helpers/webhookContext';

const node = new PosWebhookTrigger();
const b64 = (secret: string, payload: string | Buffer) => createHmac('sha256', secret).update(payload).digest('base64');
const hex = (secret: string, payload: string | Buffer) => createHmac('sha256', secret).update(payload).digest('hex');
const nowSeconds = () => Math.floor(Date.now() / 1000);

interface Outcome {
	/** accepted / duplicate / ignored, or the HTTP status we wrote (401, 400, 503). */
	outcome: string | number;
	executions: number;
	reply: unknown;
	logs: string[];
	staticData: IDataObject;
}

let credentialCounter = 0;
async function deliver(
	credential: PosCredentialData,
	request: FakeRequest,
	options: { parameters?: IDataObject; staticData?: IDataObject; workflowId?: string } = {},
): Promise<Outcome> {
	const run = fakeWebhookContext(request, {
		credential,
		credentialId: `cred-${credential.provider}-${++credentialCounter}`,
		parameters: options.parameters,
		staticData: options.staticData,
		workflowId: options.workflowId ?? 'wf-hardening',
	});
	const result = await webhookAsN8n(node, run);
	const executions = result.workflowData ? result.workflowData[0].length : 0;
	const ws = result.webhookResponse as { status?: string } | undefined;
	let outcome: string | number;
	if (executions > 0) outcome = 'accepted';
	else if (ws?.status) outcome = ws.status;
	else outcome = run.response.status ?? 0;
	return { outcome, executions, reply: ws ?? run.response.body, logs: run.logs, staticData: run.staticData };
}

beforeEach(() => resetLedgersForTest());

/** Every other text that decodes to the same bytes as a canonical padded base64 signature. */
function base64Respellings(canonical: string): string[] {
	const unpadded = canonical.replace(/=+$/, '');
	const url = canonical.replace(/\+/g, '-').replace(/\//g, '_');
	const out = [unpadded, url, url.replace(/=+$/, '')];
	// SHA-256 is 32 bytes: the last base64 character before "=" carries 2 unused low bits.
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
	const lastIndex = unpadded.length - 1;
	const value = alphabet.indexOf(unpadded[lastIndex]);
	for (let low = 1; low < 4; low++) {
		const variant = unpadded.slice(0, lastIndex) + alphabet[(value & ~3) | ((value & 3) ^ low)] + '=';
		out.push(variant);
	}
	return out.filter((s) => s !== canonical);
}

describe('1. replay keys are canonical (decoded bytes and the key that verified)', () => {
	const shopify: PosCredentialData = { provider: 'shopify', signingSecret: 'shpss_secret' };
	// A fixed body whose signature holds both "+" and "/", so every re-spelling differs from it.
	const body = JSON.stringify({ id: 820982911946154500, total_price: '18.50', updated_at: '2026-11-27T12:00:00.000Z' });
	const signature = b64('shpss_secret', body);
	const shopifyRequest = (sig: string, webhookId: string, topic = 'orders/paid'): FakeRequest => ({
		headers: { 'x-shopify-hmac-sha256': sig, 'x-shopify-webhook-id': webhookId, 'x-shopify-topic': topic },
		body,
	});

	it('Shopify: no spelling of a captured signature starts a second execution; spellings Shopify never sends are 401', async () => {
		expect(signature).toBe('nT8MOOVHJUvlR02rd+T7x76neqmlOf/kaDS6PoTTeSE=');
		const staticData = {};
		expect((await deliver(shopify, shopifyRequest(signature, 'w-real'), { staticData })).outcome).toBe('accepted');
		const spellings = base64Respellings(signature);
		expect(spellings.length).toBe(6);
		for (const [i, spelling] of spellings.entries()) {
			const r = await deliver(shopify, shopifyRequest(spelling, `w-forged-${i}`), { staticData });
			expect(r.outcome).toBe(401);
			expect(r.executions).toBe(0);
		}
		// The canonical spelling under a new id: a duplicate (the signature is remembered).
		expect((await deliver(shopify, shopifyRequest(signature, 'w-new-id'), { staticData })).outcome).toBe('duplicate');
	});

	it('Shopify: a flood of replays under new ids claims nothing, so a later POS retry of the real event is still a duplicate', async () => {
		// A ledger that holds 4 ids: 2 real events (id + signature each). Any claim by the flood would evict one.
		const parameters = { options: { maxLedgerEntries: 4 } };
		const staticData = {};
		const otherBody = JSON.stringify({ id: 2 });
		expect((await deliver(shopify, shopifyRequest(signature, 'w-a'), { staticData, parameters })).outcome).toBe('accepted');
		const second = { headers: { 'x-shopify-hmac-sha256': b64('shpss_secret', otherBody), 'x-shopify-webhook-id': 'w-b', 'x-shopify-topic': 'orders/paid' }, body: otherBody };
		expect((await deliver(shopify, second, { staticData, parameters })).outcome).toBe('accepted');
		const outcomes = new Map<string | number, number>();
		for (let i = 0; i < 200; i++) {
			const spelling = i % 2 === 0 ? signature : base64Respellings(signature)[i % 6];
			const { outcome } = await deliver(shopify, shopifyRequest(spelling, `w-flood-${i}`, i % 3 === 0 ? 'orders/create' : 'orders/paid'), { staticData, parameters });
			outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
		}
		expect(Object.fromEntries(outcomes)).toEqual({ duplicate: 100, 401: 100 });
		expect((await deliver(shopify, shopifyRequest(signature, 'w-a'), { staticData, parameters })).outcome).toBe('duplicate');
		expect((await deliver(shopify, second, { staticData, parameters })).outcome).toBe('duplicate');
	});

	describe('Custom with the event id in a header', () => {
		const customHex: PosCredentialData = { provider: 'custom', signingSecret: 'k', customEventIdLocation: 'header:x-event-id', customSignaturePrefix: 'sha256=' };
		const payload = '{"type":"order.paid","total":990}';
		const sig = hex('k', payload);
		const send = (header: string, id: string, staticData: IDataObject) =>
			deliver(customHex, { headers: { 'x-signature': header, 'x-event-id': id }, body: payload }, { staticData });

		it('upper-case hex, a junk signature beside the real one, or several: duplicates, never a new execution', async () => {
			const staticData = {};
			expect((await send(`sha256=${sig}`, 'e-1', staticData)).outcome).toBe('accepted');
			const variants = [
				`sha256=${sig.toUpperCase()}`,
				`sha256=${'ab'.repeat(32)} sha256=${sig}`,
				`sha256=${sig} sha256=${'cd'.repeat(32)}`,
				`sha256=${'0'.repeat(64)},sha256=${sig.toUpperCase()},sha256=${'1'.repeat(64)}`,
				`sha256=${sig} sha256=${sig}`,
			];
			for (const [i, v] of variants.entries()) expect((await send(v, `e-replay-${i}`, staticData)).outcome).toBe('duplicate');
		});

		it('signed with the current and the previous secret (a rotation): a copy keeping only one of them is a duplicate', async () => {
			const rotating: PosCredentialData = { ...customHex, signingSecret: 'k-new', previousSigningSecret: 'k' };
			const staticData = {};
			const both = `sha256=${hex('k-new', payload)} sha256=${sig}`;
			const sendAs = (header: string, id: string) => deliver(rotating, { headers: { 'x-signature': header, 'x-event-id': id }, body: payload }, { staticData });
			expect((await sendAs(both, 'r-1')).outcome).toBe('accepted');
			expect((await sendAs(`sha256=${sig}`, 'r-2')).outcome).toBe('duplicate');
			expect((await sendAs(`sha256=${hex('k-new', payload).toUpperCase()}`, 'r-3')).outcome).toBe('duplicate');
			expect((await sendAs(`sha256=${'ee'.repeat(32)} sha256=${sig}`, 'r-4')).outcome).toBe('duplicate');
		});

		it('base64 spellings (url-safe, unpadded) of one signature are one replay key', async () => {
			const cred: PosCredentialData = { provider: 'custom', signingSecret: 'k', customEventIdLocation: 'header:x-event-id', customEncoding: 'base64' };
			const staticData = {};
			const canonical = b64('k', payload);
			const r1 = await deliver(cred, { headers: { 'x-signature': canonical, 'x-event-id': 'b-1' }, body: payload }, { staticData });
			expect(r1.outcome).toBe('accepted');
			for (const [i, spelling] of base64Respellings(canonical).slice(0, 3).entries()) {
				const r = await deliver(cred, { headers: { 'x-signature': spelling, 'x-event-id': `b-replay-${i}` }, body: payload }, { staticData });
				expect(r.outcome).toBe('duplicate');
			}
		});
	});
});

describe('3. an ignored event cannot come back as a wanted one with another unsigned type', () => {
	it('Shopify: the same signed bytes re-sent with a wanted topic (and a new id) are a duplicate', async () => {
		const cred: PosCredentialData = { provider: 'shopify', signingSecret: 's' };
		const body = JSON.stringify({ id: 7, updated_at: new Date().toISOString() });
		const parameters = { events: 'orders/paid' };
		const staticData = {};
		const req = (topic: string, id: string) => ({ headers: { 'x-shopify-hmac-sha256': b64('s', body), 'x-shopify-webhook-id': id, 'x-shopify-topic': topic }, body });
		expect((await deliver(cred, req('orders/updated', 'w-1'), { parameters, staticData })).outcome).toBe('ignored');
		expect((await deliver(cred, req('orders/paid', 'w-1'), { parameters, staticData })).outcome).toBe('duplicate');
		expect((await deliver(cred, req('orders/paid', 'w-2'), { parameters, staticData })).outcome).toBe('duplicate');
		// A different, genuinely wanted event still goes through.
		const other = JSON.stringify({ id: 8 });
		const fresh = { headers: { 'x-shopify-hmac-sha256': b64('s', other), 'x-shopify-webhook-id': 'w-3', 'x-shopify-topic': 'orders/paid' }, body: other };
		expect((await deliver(cred, fresh, { parameters, staticData })).outcome).toBe('accepted');
	});

	it('Custom with the type in a header (id signed in the body): re-typing an ignored event is a duplicate', async () => {
		const cred: PosCredentialData = { provider: 'custom', signingSecret: 'k', customEventTypeLocation: 'header:x-topic' };
		const body = '{"id":"evt-9","total":5}';
		const parameters = { events: 'order.paid' };
		const staticData = {};
		const req = (topic: string) => ({ headers: { 'x-signature': hex('k', body), 'x-topic': topic }, body });
		expect((await deliver(cred, req('menu.updated'), { parameters, staticData })).outcome).toBe('ignored');
		expect((await deliver(cred, req('order.paid'), { parameters, staticData })).outcome).toBe('duplicate');
	});

	it('Toast without eventType in the body (type from the Toast-Event-Type header): same', async () => {
		const cred: PosCredentialData = { provider: 'toast', signingSecret: 't' };
		const ts = new Date().toISOString();
		const body = JSON.stringify({ guid: 'g-1', timestamp: ts, details: {} });
		const parameters = { events: 'order_updated' };
		const staticData = {};
		const req = (type: string) => ({ headers: { 'toast-signature': b64('t', body + ts), 'toast-event-type': type }, body });
		expect((await deliver(cred, req('menus_updated'), { parameters, staticData })).outcome).toBe('ignored');
		expect((await deliver(cred, req('order_updated'), { parameters, staticData })).outcome).toBe('duplicate');
	});
});

describe("4. Toast's signed Toast-Timestamp is checked against the tolerance, both ways", () => {
	const cred: PosCredentialData = { provider: 'toast', signingSecret: 't' };
	const toastRequest = (timestamp: string, guid: string, signedTimestamp = timestamp): FakeRequest => {
		const body = JSON.stringify({ guid, eventType: 'order_updated', timestamp: new Date().toISOString() });
		return { headers: { 'toast-signature': b64('t', body + signedTimestamp), 'toast-timestamp': timestamp }, body };
	};

	it.each([
		['unix seconds', (ms: number) => String(Math.floor(ms / 1000))],
		['unix milliseconds', (ms: number) => String(ms)],
		['ISO 8601', (ms: number) => new Date(ms).toISOString()],
	])('%s: fresh accepted, ten days old 401, ten minutes ahead 401', async (_name, format) => {
		const now = Date.now();
		expect((await deliver(cred, toastRequest(format(now), `g-fresh-${_name}`))).outcome).toBe('accepted');
		const old = await deliver(cred, toastRequest(format(now - 10 * 86_400_000), `g-old-${_name}`));
		expect(old.outcome).toBe(401);
		expect(old.reply).toMatchObject({ reason: 'timestamp_too_old' });
		const ahead = await deliver(cred, toastRequest(format(now + 600_000), `g-ahead-${_name}`));
		expect(ahead.outcome).toBe(401);
		expect(ahead.reply).toMatchObject({ reason: 'timestamp_in_future' });
	});

	it('a re-dated Toast-Timestamp (the signature was made with another one) is 401 invalid_signature', async () => {
		const old = String(nowSeconds() - 10 * 86_400);
		const r = await deliver(cred, toastRequest(String(nowSeconds()), 'g-redated', old));
		expect(r.outcome).toBe(401);
		expect(r.reply).toMatchObject({ reason: 'invalid_signature' });
	});
});

describe('10. verify before parse, for every provider', () => {
	const bigForgery = (withTimestamp: boolean) =>
		JSON.stringify({ guid: 'x', ...(withTimestamp ? { timestamp: new Date().toISOString() } : {}), pad: 'x'.repeat(200_000) });

	const cases: Array<[string, PosCredentialData, (body: string) => Record<string, string>]> = [
		['toast', { provider: 'toast', signingSecret: 't' }, () => ({ 'toast-signature': b64('wrong', 'x') })],
		[
			'custom, body timestamp signed',
			{ provider: 'custom', signingSecret: 'k', customSignedPayload: '{timestamp}.{body}', customTimestampLocation: 'body:timestamp', customEventIdLocation: 'body:guid' },
			() => ({ 'x-signature': hex('wrong', 'x') }),
		],
		[
			'custom, body timestamp not in the template',
			{ provider: 'custom', signingSecret: 'k', customTimestampLocation: 'timestamp', customEventIdLocation: 'body:guid' },
			() => ({ 'x-signature': hex('wrong', 'x') }),
		],
		['shopify', { provider: 'shopify', signingSecret: 's' }, () => ({ 'x-shopify-hmac-sha256': b64('wrong', 'x') })],
		['square', { provider: 'square', signingSecret: 's' }, () => ({ 'x-square-hmacsha256-signature': b64('wrong', 'x') })],
		['stripe', { provider: 'stripe', signingSecret: 's' }, () => ({ 'stripe-signature': `t=${nowSeconds()},v1=${'a'.repeat(64)}` })],
	];

	it.each(cases)('%s: a forged body is never JSON-parsed, and the 401 is the same with or without the timestamp field', async (_name, cred, headers) => {
		const replies: unknown[] = [];
		for (const withTimestamp of [true, false]) {
			const body = bigForgery(withTimestamp);
			const parse = jest.spyOn(JSON, 'parse');
			try {
				const r = await deliver(cred, { headers: headers(body), body });
				expect(r.outcome).toBe(401);
				replies.push(r.reply);
				// Small tokens (a scanned value) may be parsed; the body itself never is.
				expect(parse.mock.calls.filter(([text]) => typeof text === 'string' && text.length > 1000)).toEqual([]);
			} finally {
				parse.mockRestore();
			}
		}
		expect(replies[0]).toEqual(replies[1]);
	});

	it('a forged body that is not JSON at all is 401, not 400 (the parser is never reached)', async () => {
		for (const [, cred, headers] of cases) {
			const r = await deliver(cred, { headers: headers('{not json'), body: '{not json' });
			expect(r.outcome).toBe(401);
		}
	});

	it('Custom: a body timestamp the signature covers is still checked for freshness once verified', async () => {
		const cred: PosCredentialData = { provider: 'custom', signingSecret: 'k', customSignedPayload: '{timestamp}.{body}', customTimestampLocation: 'body:meta.sent_at', customEventIdLocation: 'body:id' };
		const make = (sentAt: number, id: string) => {
			const body = JSON.stringify({ id, meta: { sent_at: sentAt, note: 'a "quoted" } brace' } });
			return { headers: { 'x-signature': hex('k', `${sentAt}.${body}`) }, body };
		};
		expect((await deliver(cred, make(nowSeconds(), 'c-1'))).outcome).toBe('accepted');
		const stale = await deliver(cred, make(nowSeconds() - 3600, 'c-2'));
		expect(stale.reply).toMatchObject({ reason: 'timestamp_too_old' });
	});
});

describe('11. a signed JSON body that starts with a UTF-8 BOM is accepted', () => {
	const bom = Buffer.from([0xef, 0xbb, 0xbf]);
	const withBom = (json: object) => Buffer.concat([bom, Buffer.from(JSON.stringify(json))]);
	const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

	it.each<[string, PosCredentialData, () => FakeRequest]>([
		[
			'standardWebhooks',
			{ provider: 'standardWebhooks', signingSecret: SW_SECRET },
			() => {
				const body = withBom({ type: 'order.paid' });
				const when = new Date();
				return { headers: { 'webhook-id': 'msg_bom', 'webhook-timestamp': String(Math.floor(when.getTime() / 1000)), 'webhook-signature': new StandardWebhook(SW_SECRET).sign('msg_bom', when, body.toString('utf8')) }, body };
			},
		],
		[
			'stripe',
			{ provider: 'stripe', signingSecret: 'whsec_s' },
			() => {
				const body = withBom({ id: 'evt_bom', type: 'payment_intent.succeeded', created: nowSeconds() });
				const t = nowSeconds();
				return { headers: { 'stripe-signature': `t=${t},v1=${hex('whsec_s', Buffer.concat([Buffer.from(`${t}.`), body]))}` }, body };
			},
		],
		['shopify', { provider: 'shopify', signingSecret: 's' }, () => {
			const body = withBom({ id: 1 });
			return { headers: { 'x-shopify-hmac-sha256': b64('s', body), 'x-shopify-webhook-id': 'w-bom', 'x-shopify-topic': 'orders/paid' }, body };
		}],
		['square', { provider: 'square', signingSecret: 's' }, () => {
			const body = withBom({ event_id: 'sq-bom', type: 'order.created', created_at: new Date().toISOString() });
			return { headers: { 'x-square-hmacsha256-signature': b64('s', Buffer.concat([Buffer.from('https://n8n.example.com/webhook/abc/pos'), body])) }, body };
		}],
		['toast', { provider: 'toast', signingSecret: 't' }, () => {
			const ts = new Date().toISOString();
			const body = withBom({ guid: 'g-bom', eventType: 'order_updated', timestamp: ts });
			return { headers: { 'toast-signature': b64('t', Buffer.concat([body, Buffer.from(ts)])) }, body };
		}],
		['custom', { provider: 'custom', signingSecret: 'k' }, () => {
			const body = withBom({ id: 'c-bom', type: 'order.paid' });
			return { headers: { 'x-signature': hex('k', body) }, body };
		}],
	])('%s', async (_name, cred, make) => {
		const r = await deliver(cred, make());
		expect(r.outcome).toBe('accepted');
		expect(r.executions).toBe(1);
	});
});

describe('8. an unreadable saved ledger never resets silently', () => {
	const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
	const cred: PosCredentialData = { provider: 'standardWebhooks', signingSecret: SW_SECRET };
	const signed = (id: string): FakeRequest => {
		const body = JSON.stringify({ type: 'order.paid', data: { id } });
		const when = new Date();
		return { headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(when.getTime() / 1000)), 'webhook-signature': new StandardWebhook(SW_SECRET).sign(id, when, body) }, body };
	};

	/** A workflow that processed three events, saved as n8n saves it, then n8n restarts. */
	async function savedAfterThreeEvents(): Promise<IDataObject> {
		const staticData: IDataObject = {};
		for (const id of ['msg_1', 'msg_2', 'msg_3']) expect((await deliver(cred, signed(id), { staticData })).outcome).toBe('accepted');
		const saved = savedCopy(staticData);
		resetLedgersForTest();
		return saved;
	}
	const ledgerOf = (saved: IDataObject) => saved[STATIC_DATA_KEY] as { buckets: Record<string, string>; v: number };

	it.each<[string, (saved: IDataObject) => void]>([
		['a bucket saved as JSON text (double-encoded)', (s) => {
			const b = ledgerOf(s).buckets;
			for (const k of Object.keys(b)) b[k] = JSON.stringify(b[k]);
		}],
		['a truncated bucket (the last digest cut short)', (s) => {
			const b = ledgerOf(s).buckets;
			for (const k of Object.keys(b)) b[k] = b[k] + b[k].slice(0, 5);
		}],
		['the whole ledger saved as JSON text', (s) => {
			s[STATIC_DATA_KEY] = JSON.stringify(s[STATIC_DATA_KEY]);
		}],
		['garbage characters after the digests', (s) => {
			const b = ledgerOf(s).buckets;
			for (const k of Object.keys(b)) b[k] = b[k] + '\u0000{}';
		}],
		['a bucket with a key that is not a time, beside the good ones', (s) => {
			ledgerOf(s).buckets['not-a-time'] = 'AAAAAAAAAAAA';
		}],
	])('%s: what can be read is kept, so retries of processed events stay duplicates', async (_name, corrupt) => {
		const saved = await savedAfterThreeEvents();
		corrupt(saved);
		for (const id of ['msg_1', 'msg_2', 'msg_3']) expect((await deliver(cred, signed(id), { staticData: saved })).outcome).toBe('duplicate');
		expect((await deliver(cred, signed('msg_4'), { staticData: saved })).outcome).toBe('accepted');
	});

	it.each<[string, (saved: IDataObject) => void]>([
		['a future version', (s) => {
			ledgerOf(s).v = 2;
		}],
		['not a ledger at all', (s) => {
			s[STATIC_DATA_KEY] = 42 as unknown as IDataObject;
		}],
		['no readable bucket list', (s) => {
			(ledgerOf(s) as unknown as IDataObject).buckets = 'garbage';
		}],
	])('%s: 503 (the POS retries), logged, and the saved data is not written over', async (_name, corrupt) => {
		const saved = await savedAfterThreeEvents();
		corrupt(saved);
		const before = JSON.stringify(saved);
		for (const id of ['msg_1', 'msg_new']) {
			const r = await deliver(cred, signed(id), { staticData: saved });
			expect(r.outcome).toBe(503);
			expect(r.executions).toBe(0);
		}
		const first = await (async () => {
			resetLedgersForTest();
			return deliver(cred, signed('msg_1'), { staticData: saved });
		})();
		expect(first.logs.filter((l) => l.startsWith('error ') && /saved ledger/.test(l))).toHaveLength(1);
		expect(JSON.stringify(saved)).toBe(before);
	});
});
