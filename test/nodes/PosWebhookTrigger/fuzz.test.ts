/**
 * Property-based, through webhook() as n8n calls it, for every provider: whatever headers and body
 * arrive, signed or not, the node answers itself with 200, 400 or 401 (or n8n answers duplicate /
 * ignored), never throws, never answers 503 (the credentials here are valid, so a 503 can only be
 * our own bug) and never echoes the secret. Correctly signed, well-formed events must be accepted
 * (or be duplicates of an earlier one), so the accept path runs for every provider too. Some
 * requests arrive while the editor listens (mode manual): a refusal must then come back as one item
 * with its fix.
 */
import fc from 'fast-check';
import type { IDataObject } from 'n8n-workflow';

import { PosWebhookTrigger } from '../../../nodes/PosWebhookTrigger/PosWebhookTrigger.node';
import { resetRefusalLogForTest } from '../../../nodes/PosWebhookTrigger/refusals';
import { resetLedgersForTest } from '../../../nodes/shared/ledger/registry';
import { PROVIDERS } from '../../../nodes/shared/providers/registry';
import { credentialsFor, signAs } from '../../helpers/signing';
import { fakeWebhookContext, webhookAsN8n } from '../../helpers/webhookContext';

const node = new PosWebhookTrigger();
const SECRET = 'whsec_' + Buffer.from('fuzzing key fuzzing key fuzzing').toString('base64');
const WEBHOOK_URL = 'https://n8n.example.com/webhook/abc/pos';

const credentials = credentialsFor(SECRET);

/** A real-looking event of each provider (the shape its events take), with this id and now as its time. */
function wellFormed(provider: string, id: string, extra: IDataObject): string {
	const now = new Date().toISOString();
	const shapes: Record<string, IDataObject> = {
		standardWebhooks: { type: 'order.paid', timestamp: now, data: { order_id: id } },
		stripe: { id, object: 'event', type: 'payment_intent.succeeded', created: Math.floor(Date.now() / 1000), data: { object: {} } },
		square: { event_id: id, type: 'order.updated', created_at: now, merchant_id: 'M1', data: { type: 'order', object: {} } },
		shopify: { id: 1, created_at: now },
		toast: { guid: id, eventType: 'order_updated', eventCategory: 'orders', timestamp: now, details: {} },
		custom: { id, type: 'order.paid' },
	};
	return JSON.stringify({ ...extra, ...shapes[provider] });
}

const interesting = [
	'webhook-id', 'webhook-timestamp', 'webhook-signature', 'svix-id', 'stripe-signature', 'x-square-hmacsha256-signature',
	'x-shopify-hmac-sha256', 'x-shopify-webhook-id', 'toast-signature', 'toast-timestamp', 'x-signature', 'x-timestamp', 'content-type',
];
const headerValue = fc.oneof(
	fc.string(),
	fc.constantFrom('v1,', 't=1,v1=zz', 'v1,====', '', ' ', 't=,v1=', 'sha256=', '99999999999999', '-1', '1e3', 'NaN'),
	fc.integer().map(String),
	fc.base64String(),
);
const headers = fc.dictionary(fc.oneof(fc.constantFrom(...interesting), fc.string({ minLength: 1, maxLength: 12 })), headerValue, { maxKeys: 8 });
const randomBody = fc.oneof(
	fc.string(),
	fc.json(),
	fc.jsonValue().map((v) => JSON.stringify(v)),
	fc.constantFrom('null', '[]', '{"id":null}', '{"type":{}}', '{"created_at":"x"}', '\u0000', '{"guid":1e400}', '{"timestamp":1e400}'),
	fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a).toString('latin1')),
);
/** Small id pool on purpose: repeats exercise the duplicate path. */
const eventId = fc.oneof(fc.constantFrom('evt_a', 'evt_b', 'evt_c'), fc.uuid());
const extraFields = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) as fc.Arbitrary<IDataObject>;
const request = fc.record({
	provider: fc.constantFrom(...PROVIDERS.map((p) => p.id)),
	headers,
	/** 'none': headers as generated; 'random': a valid signature over random bytes; 'event': a valid signature over a real-looking event. */
	kind: fc.constantFrom('none', 'random', 'event'),
	randomBody,
	id: eventId,
	extra: extraFields,
	/** Production, or the editor listening for a test event (refusals are then shown as one item). */
	mode: fc.constantFrom('webhook', 'webhook', 'manual') as fc.Arbitrary<'webhook' | 'manual'>,
});

beforeAll(() => {
	resetLedgersForTest();
	resetRefusalLogForTest();
});

it('never throws, never 5xx, and accepts every correctly signed event, for every provider', async () => {
	expect(Object.keys(credentials).sort()).toEqual(PROVIDERS.map((p) => p.id).sort());
	const accepted = new Map<string, number>();
	await fc.assert(
		fc.asyncProperty(request, async ({ provider, headers: generated, kind, randomBody: rb, id, extra, mode }) => {
			const h: Record<string, string> = { ...generated };
			const body = kind === 'event' ? wellFormed(provider, id, extra) : rb;
			if (kind !== 'none') signAs(provider, SECRET, { body, id, url: WEBHOOK_URL, headers: h });
			const run = fakeWebhookContext(
				{ headers: h, body },
				{ credential: credentials[provider], credentialId: `fuzz-${provider}`, workflowId: `wf-fuzz-${provider}`, webhookUrl: WEBHOOK_URL, mode },
			);
			const result = await webhookAsN8n(node, run);

			expect(run.logs.filter((l) => l.startsWith('error'))).toEqual([]);
			expect(JSON.stringify(run.response.body ?? '')).not.toContain(SECRET);
			if (result.noWebhookResponse) {
				expect([200, 400, 401]).toContain(run.response.status);
				const refused = run.response.status !== 200;
				if (refused && mode === 'manual') {
					// The editor is shown the refusal and its fix (a test execution), never a production one.
					const json = result.workflowData?.[0]?.[0]?.json ?? {};
					expect([json.refused, json.status, json.provider, typeof json.fix]).toEqual([true, run.response.status, provider, 'string']);
				} else {
					// 200 only together with exactly one execution of exactly one item.
					expect(run.response.status === 200).toBe(result.workflowData !== undefined);
				}
			} else if ((result.webhookResponse as IDataObject).status === 'accepted') {
				// n8n itself answers the 200, once the execution is registered (crash safety, issue 11):
				// still only together with exactly one execution of exactly one item.
				expect(result.workflowData).toHaveLength(1);
				expect(result.workflowData![0]).toHaveLength(1);
				expect(run.response.status).toBe(200);
			} else {
				expect(['duplicate', 'ignored']).toContain((result.webhookResponse as IDataObject).status);
			}
			if (kind === 'none') expect(run.response.status).toBe(401);
			if (kind === 'event') {
				const status = run.response.status === 200 ? 'accepted' : (result.webhookResponse as IDataObject | undefined)?.status;
				expect(status === 'accepted' || status === 'duplicate' ? status : run.response).toBe(status);
			}
			if (result.workflowData && run.response.status === 200) {
				expect(result.workflowData).toHaveLength(1);
				expect(result.workflowData[0]).toHaveLength(1);
				expect(result.workflowData[0][0].json.provider).toBe(provider);
				accepted.set(provider, (accepted.get(provider) ?? 0) + 1);
			}
		}),
		{ numRuns: Number(process.env.FUZZ_RUNS ?? 3000) },
	);
	// The accept path really ran for every provider (not only the refusals).
	for (const p of PROVIDERS) expect([p.id, (accepted.get(p.id) ?? 0) > 10]).toEqual([p.id, true]);
});
