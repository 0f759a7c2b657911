/**
 * Replays that the signature alone does not stop: ids outside the signed bytes (Shopify, custom
 * header ids), unsafe settings refused at configuration, and parameters that could open the check.
 */
import { createHmac } from 'node:crypto';

import { processDelivery } from '../../../nodes/PosWebhookTrigger/processDelivery';
import { PosWebhookTrigger } from '../../../nodes/PosWebhookTrigger/PosWebhookTrigger.node';
import { Ledger } from '../../../nodes/shared/ledger/Ledger';
import { resetLedgersForTest } from '../../../nodes/shared/ledger/registry';
import { buildSigningConfig, CredentialConfigError } from '../../../nodes/shared/signingConfig';
import { fakeWebhookContext } from '../../helpers/webhookContext';

const settings = { events: '*', toleranceSeconds: 300, dedupe: true, dedupeWindowHours: 72, includeHeaders: true, removeFields: [] };
const b64 = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('base64');

beforeEach(() => resetLedgersForTest());

it('Shopify: a captured request replayed under a new X-Shopify-Webhook-Id is a duplicate', () => {
	const config = buildSigningConfig({ provider: 'shopify', signingSecret: 's' }, Date.now());
	const body = JSON.stringify({ id: 1, updated_at: new Date().toISOString() });
	const ledger = new Ledger(72 * 3_600_000);
	const send = (id: string) =>
		processDelivery(
			{ headers: { 'x-shopify-hmac-sha256': b64('s', body), 'x-shopify-webhook-id': id, 'x-shopify-topic': 'orders/paid' }, rawBody: Buffer.from(body), notificationUrl: '' },
			config,
			settings,
			ledger,
			Date.now(),
		).kind;
	expect(send('w1')).toBe('accepted');
	expect(send('w1')).toBe('duplicate');
	expect(send('w2')).toBe('duplicate');
	const other = JSON.stringify({ id: 2 });
	expect(
		processDelivery(
			{ headers: { 'x-shopify-hmac-sha256': b64('s', other), 'x-shopify-webhook-id': 'w3' }, rawBody: Buffer.from(other), notificationUrl: '' },
			config,
			settings,
			ledger,
			Date.now(),
		).kind,
	).toBe('accepted');
});

it('custom: an event id from an unsigned header cannot be changed to get a replay through', () => {
	const cred = { provider: 'custom', signingSecret: 'k', customEventIdLocation: 'header:x-event-id' };
	const config = buildSigningConfig(cred, Date.now());
	const body = '{"type":"order.paid"}';
	const sig = createHmac('sha256', 'k').update(body).digest('hex');
	const ledger = new Ledger(3_600_000);
	const send = (id: string) =>
		processDelivery({ headers: { 'x-signature': sig, 'x-event-id': id }, rawBody: Buffer.from(body), notificationUrl: '' }, config, settings, ledger, Date.now());
	expect(send('a').kind).toBe('accepted');
	expect(send('b').kind).toBe('duplicate');
	const accepted = processDelivery(
		{ headers: { 'x-signature': createHmac('sha256', 'k').update('{"x":1}').digest('hex'), 'x-event-id': 'c', 'x-other': 'v' }, rawBody: Buffer.from('{"x":1}'), notificationUrl: '' },
		config,
		settings,
		ledger,
		Date.now(),
	);
	expect(accepted.kind === 'accepted' && accepted.item.headers).toEqual({ 'x-event-id': 'c', 'x-other': 'v' });
});

it.each([
	[{ customSignedPayload: '{timestamp}.{body}' }, /Timestamp Location/],
	[{ customTimestampLocation: 'header:x-ts' }, /not signed/],
	[{ customSignedPayload: '{timestamp}', customTimestampLocation: 'header:x-ts' }, /\{body\}/],
])('custom: unsafe settings are refused with what to fix (%o)', (extra, message) => {
	expect(() => buildSigningConfig({ provider: 'custom', signingSecret: 'k', ...extra }, Date.now())).toThrow(CredentialConfigError);
	expect(() => buildSigningConfig({ provider: 'custom', signingSecret: 'k', ...extra }, Date.now())).toThrow(message);
});

it('a tolerance that is not a number (a broken expression) keeps the check on', async () => {
	const { Webhook } = await import('standardwebhooks');
	const secret = 'whsec_' + Buffer.from('k'.repeat(32)).toString('base64');
	const body = '{"type":"order.paid"}';
	const old = new Date(1_000_000);
	const run = fakeWebhookContext(
		{ headers: { 'webhook-id': 'msg_old', 'webhook-timestamp': '1000', 'webhook-signature': new Webhook(secret).sign('msg_old', old, body) }, body },
		{ credential: { provider: 'standardWebhooks', signingSecret: secret }, credentialId: 'nan-cred', parameters: { toleranceSeconds: 'not a number' } },
	);
	await new PosWebhookTrigger().webhook.call(run.ctx);
	expect(run.response).toEqual({ status: 401, body: expect.objectContaining({ reason: 'timestamp_too_old' }) });
});
