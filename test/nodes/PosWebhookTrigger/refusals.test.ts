/**
 * Refusals a user can see, through webhook() as n8n calls it: logged with the fix, once a minute
 * per workflow and reason; shown in the editor while it listens for a test event; never a
 * production execution.
 */
import { createHmac } from 'node:crypto';

import { PosWebhookTrigger } from '../../../nodes/PosWebhookTrigger/PosWebhookTrigger.node';
import { RefusalRateLimiter, refusalFix, resetRefusalLogForTest } from '../../../nodes/PosWebhookTrigger/refusals';
import { resetLedgersForTest } from '../../../nodes/shared/ledger/registry';
import { PROVIDERS } from '../../../nodes/shared/providers/registry';
import type { RejectReason } from '../../../nodes/shared/verification';
import { fakeWebhookContext, webhookAsN8n, type FakeRequest, type FakeWebhookOptions } from '../../helpers/webhookContext';

const node = new PosWebhookTrigger();
const KEY = 'square signature key 1234567890';
const REGISTERED = 'https://pos.example.com/hooks/square';
const N8N_URL = 'http://n8n.internal:5678/webhook/abc/pos';

/** A genuine Square request, signed for the URL registered in Square (the proxy's public URL). */
function squareRequest(id: string) {
	const body = JSON.stringify({ event_id: id, type: 'order.updated', created_at: new Date().toISOString(), data: {} });
	return { headers: { 'x-square-hmacsha256-signature': createHmac('sha256', KEY).update(REGISTERED + body).digest('base64') }, body };
}

async function deliver(request: FakeRequest, options: Partial<FakeWebhookOptions> = {}) {
	const run = fakeWebhookContext(request, {
		credential: { provider: 'square', signingSecret: KEY },
		credentialId: 'cred-square-proxy',
		webhookUrl: N8N_URL,
		...options,
	});
	return { ...run, result: await webhookAsN8n(node, run) };
}

beforeEach(() => {
	resetLedgersForTest();
	resetRefusalLogForTest();
});

describe('Square behind a proxy (Notification URL not set)', () => {
	it('answers 401, starts nothing, and logs the fix in plain words, with the URL n8n has and no secret', async () => {
		const { result, response, logs } = await deliver(squareRequest('sq_1'));
		expect(response.status).toBe(401);
		expect(result).toEqual({ noWebhookResponse: true });
		expect(logs).toHaveLength(1);
		expect(logs[0]).toMatch(/^warn POS Webhook Trigger in workflow "Test" \(wf-1\) refused a Square request: invalid_signature, answered 401\./);
		expect(logs[0]).toContain(`Square signs the URL it calls: set Notification URL in the Square credential to the URL registered in Square`);
		expect(logs[0]).toContain(`(n8n has ${N8N_URL})`);
		expect(logs[0]).not.toContain(KEY);
		expect(logs[0]).not.toContain(squareRequest('sq_1').headers['x-square-hmacsha256-signature'].slice(0, 12));
	});

	it('logs once a minute per workflow and reason, then says how many were held back', async () => {
		jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
		try {
			const lines: string[] = [];
			for (let i = 0; i < 5; i++) lines.push(...(await deliver(squareRequest(`sq_storm_${i}`))).logs);
			expect(lines).toHaveLength(1);
			// Another workflow, and another reason in this workflow, each get their own line.
			expect((await deliver(squareRequest('sq_other_wf'), { workflowId: 'wf-2' })).logs).toHaveLength(1);
			expect((await deliver({ headers: {}, body: '{}' })).logs).toEqual([expect.stringContaining('refused a Square request: missing_signature')]);

			jest.advanceTimersByTime(59_000);
			expect((await deliver(squareRequest('sq_59s'))).logs).toHaveLength(0);
			jest.advanceTimersByTime(1_000);
			const after = await deliver(squareRequest('sq_60s'));
			expect(after.logs).toEqual([expect.stringContaining('invalid_signature, answered 401 (5 more like it since the last message)')]);
		} finally {
			jest.useRealTimers();
		}
	});

	it('the Notification URL kept in the Square credential fixes it', async () => {
		const { response, logs } = await deliver(squareRequest('sq_cred'), {
			credential: { provider: 'square', signingSecret: KEY, notificationUrl: REGISTERED } as FakeWebhookOptions['credential'],
			credentialId: 'cred-square-with-url',
		});
		expect(response).toEqual({ status: 200, body: { status: 'accepted', id: 'sq_cred' } });
		expect(logs).toEqual([]);
	});

	it("a saved workflow's trigger Notification URL (the older place) still wins over the credential's", async () => {
		const { response } = await deliver(squareRequest('sq_param_wins'), {
			credential: { provider: 'square', signingSecret: KEY, notificationUrl: 'https://wrong.example.com/x' } as FakeWebhookOptions['credential'],
			credentialId: 'cred-square-wrong-url',
			parameters: { notificationUrl: REGISTERED },
		});
		expect(response).toEqual({ status: 200, body: { status: 'accepted', id: 'sq_param_wins' } });
	});

	it('setting Notification URL in the trigger (saved workflows) to the registered URL fixes it', async () => {
		const { response, result, logs } = await deliver(squareRequest('sq_fixed'), { parameters: { notificationUrl: REGISTERED } });
		expect(response).toEqual({ status: 200, body: { status: 'accepted', id: 'sq_fixed' } });
		expect(result.workflowData?.[0]).toHaveLength(1);
		expect(logs).toEqual([]);
	});
});

describe('while the editor listens for a test event', () => {
	it('a refused test request shows the refusal and its fix in the editor (one item), and the POS still gets 401', async () => {
		const { result, response } = await deliver(squareRequest('sq_test'), { mode: 'manual' });
		expect(response.status).toBe(401);
		expect(result.noWebhookResponse).toBe(true);
		expect(result.workflowData).toEqual([
			[
				{
					json: {
						refused: true,
						status: 401,
						reason: 'invalid_signature',
						message: expect.stringContaining('Signature does not match'),
						fix: expect.stringContaining('set Notification URL in the Square credential'),
						provider: 'square',
					},
				},
			],
		]);
		expect(JSON.stringify(result.workflowData)).not.toContain(KEY);
	});

	it('a production request that is refused never starts an execution', async () => {
		for (const request of [squareRequest('sq_prod'), { headers: {}, body: 'x' }]) {
			const { result } = await deliver(request, { mode: 'webhook' });
			expect(result).toEqual({ noWebhookResponse: true });
		}
	});
});

describe('the fix for every reason and provider', () => {
	const reasons: RejectReason[] = [
		'missing_signature', 'invalid_signature', 'missing_timestamp', 'invalid_timestamp',
		'timestamp_too_old', 'timestamp_in_future', 'unparseable_body', 'missing_event_id',
	];
	it.each(PROVIDERS.map((p) => [p.id, p] as const))('%s: a distinct, specific sentence per reason', (_id, provider) => {
		const fixes = reasons.map((reason) => refusalFix(reason, { provider, notificationUrl: N8N_URL }));
		for (const fix of fixes) expect(fix).toMatch(/^[A-Z].{40,}\.$/s);
		// Only the two timestamp parse failures may share a sentence.
		expect(new Set(fixes).size).toBe(reasons.length - 1);
	});

	it('rate limiter: one per key per interval, bounded', () => {
		const limiter = new RefusalRateLimiter(1000, 2);
		expect([limiter.admit('a', 0), limiter.admit('a', 500), limiter.admit('a', 999), limiter.admit('a', 1000)]).toEqual([0, undefined, undefined, 2]);
		expect([limiter.admit('b', 0), limiter.admit('c', 0), limiter.admit('a', 1001)]).toEqual([0, 0, 0]); // 'a' was dropped when full
	});
});
