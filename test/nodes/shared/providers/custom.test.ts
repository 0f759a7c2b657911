import { processDelivery } from '../../../../nodes/PosWebhookTrigger/processDelivery';
import { buildSigningConfig } from '../../../../nodes/shared/signingConfig';
import type { PosCredentialData } from '../../../../nodes/shared/providers/types';
import { hexhmac, nowSeconds } from '../../../helpers/signing';
import { createHmac } from 'node:crypto';

const settings = { events: '*', toleranceSeconds: 300, dedupe: false, dedupeWindowHours: 72, includeHeaders: false, removeFields: [] };
const URL = 'https://n8n.example.com/webhook/abc/pos';

function run(credential: PosCredentialData, headers: Record<string, string>, body: string) {
	return processDelivery(
		{ headers, rawBody: Buffer.from(body), notificationUrl: URL },
		buildSigningConfig(credential, Date.now()),
		settings,
		undefined,
		Date.now(),
	);
}

describe('custom provider', () => {
	it('GitHub-style: sha256= prefix, hex, body only', () => {
		const cred = { provider: 'custom', signingSecret: 's', customSignatureHeader: 'X-Hub-Signature-256', customSignaturePrefix: 'sha256=' };
		const body = JSON.stringify({ id: 'e1', type: 'order.paid' });
		expect(run(cred, { 'x-hub-signature-256': `sha256=${hexhmac('s', body)}` }, body).kind).toBe('accepted');
		expect(run(cred, { 'x-hub-signature-256': hexhmac('s', body) }, body)).toMatchObject({ kind: 'rejected', reason: 'invalid_signature' });
	});

	it('timestamped template with header timestamp, base64 sha512, ids in headers', () => {
		const cred = {
			provider: 'custom',
			signingSecret: 'k',
			customSignatureHeader: 'x-sig',
			customAlgorithm: 'sha512',
			customEncoding: 'base64',
			customSignedPayload: '{timestamp}:{id}:{body}',
			customTimestampLocation: 'header:x-ts',
			customEventIdLocation: 'header:x-event',
			customEventTypeLocation: 'body:kind',
			customLocationIdLocation: 'body:store.id',
		};
		const body = JSON.stringify({ kind: 'shift.started', store: { id: 'S1' } });
		const ts = String(nowSeconds());
		const sig = createHmac('sha512', 'k').update(`${ts}:ev-9:${body}`).digest('base64');
		const r = run(cred, { 'x-sig': sig, 'x-ts': ts, 'x-event': 'ev-9' }, body);
		expect(r).toMatchObject({ kind: 'accepted', item: { id: 'ev-9', type: 'shift.started', locationId: 'S1' } });
		const stale = String(nowSeconds() - 1000);
		const staleSig = createHmac('sha512', 'k').update(`${stale}:ev-9:${body}`).digest('base64');
		expect(run(cred, { 'x-sig': staleSig, 'x-ts': stale, 'x-event': 'ev-9' }, body)).toMatchObject({ reason: 'timestamp_too_old' });
		expect(run(cred, { 'x-sig': sig, 'x-event': 'ev-9' }, body)).toMatchObject({ reason: 'missing_timestamp' });
	});

	it('sha1 and {url} template', () => {
		const cred = { provider: 'custom', signingSecret: 'k', customAlgorithm: 'sha1', customSignedPayload: '{url}{body}' };
		const body = '{"id":"x1","type":"menu.updated"}';
		expect(run(cred, { 'x-signature': hexhmac('k', URL + body, 'sha1') }, body).kind).toBe('accepted');
	});

	it('refuses a valid signature over a body that has no event id, with 400', () => {
		const cred = { provider: 'custom', signingSecret: 'k' };
		const body = '{"type":"menu.updated"}';
		expect(run(cred, { 'x-signature': hexhmac('k', body) }, body)).toMatchObject({ kind: 'rejected', status: 400, reason: 'missing_event_id' });
	});
});
