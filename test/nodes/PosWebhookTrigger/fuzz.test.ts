/**
 * Property-based: whatever headers and body arrive, webhook() returns (never throws) and never
 * answers 5xx except the documented 503. Runs every provider.
 */
import fc from 'fast-check';
import { Webhook as StandardWebhook } from 'standardwebhooks';

import { PosWebhookTrigger } from '../../../nodes/PosWebhookTrigger/PosWebhookTrigger.node';
import { resetLedgersForTest } from '../../../nodes/shared/ledger/registry';
import { PROVIDERS } from '../../../nodes/shared/providers/registry';
import { fakeWebhookContext } from '../../helpers/webhookContext';

const node = new PosWebhookTrigger();
const SECRET = 'whsec_' + Buffer.from('fuzzing key fuzzing key fuzzing').toString('base64');
const interesting = [
	'webhook-id', 'webhook-timestamp', 'webhook-signature', 'svix-id', 'stripe-signature', 'x-square-hmacsha256-signature',
	'x-shopify-hmac-sha256', 'x-shopify-webhook-id', 'toast-signature', 'toast-timestamp', 'x-signature', 'content-type',
];
const headerValue = fc.oneof(
	fc.string(),
	fc.constantFrom('v1,', 't=1,v1=zz', 'v1,====', '', ' ', 't=,v1=', 'sha256=', '99999999999999', '-1', '1e3', 'NaN'),
	fc.integer().map(String),
	fc.base64String(),
);
const headers = fc.dictionary(fc.oneof(fc.constantFrom(...interesting), fc.string({ minLength: 1, maxLength: 12 })), headerValue, { maxKeys: 8 });
const body = fc.oneof(
	fc.string(),
	fc.json(),
	fc.jsonValue().map((v) => JSON.stringify(v)),
	fc.constantFrom('null', '[]', '{"id":null}', '{"type":{}}', '{"created_at":"x"}', '\u0000', '{"guid":1e400}'),
	fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a).toString('latin1')),
);

beforeAll(() => resetLedgersForTest());

it('never throws and never answers 5xx other than 503, for every provider', async () => {
	await fc.assert(
		fc.asyncProperty(fc.constantFrom(...PROVIDERS.map((p) => p.id)), headers, body, fc.boolean(), async (provider, h, b, sign) => {
			const hdrs: Record<string, string> = { ...h };
			if (sign && provider === 'standardWebhooks') {
				const when = new Date();
				hdrs['webhook-id'] = hdrs['webhook-id'] || 'msg_fuzz';
				hdrs['webhook-timestamp'] = String(Math.floor(when.getTime() / 1000));
				hdrs['webhook-signature'] = new StandardWebhook(SECRET).sign(hdrs['webhook-id'], when, b);
			}
			const run = fakeWebhookContext({ headers: hdrs, body: b }, { credential: { provider, signingSecret: SECRET }, credentialId: `fuzz-${provider}` });
			const result = await node.webhook.call(run.ctx);
			if (result.noWebhookResponse) {
				// We answered ourselves: 200 only together with exactly one started execution.
				expect([200, 400, 401, 503]).toContain(run.response.status);
				expect(run.response.status === 200).toBe(result.workflowData !== undefined);
				expect(run.response.status === 503 ? run.logs.length : 1).toBeGreaterThan(0);
			} else {
				expect(result.webhookResponse).toBeDefined();
			}
			expect(JSON.stringify(run.response.body ?? '')).not.toContain(SECRET);
		}),
		{ numRuns: Number(process.env.FUZZ_RUNS ?? 3000) },
	);
});
