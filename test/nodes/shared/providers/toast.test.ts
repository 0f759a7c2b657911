/**
 * Toast, checked against Toast's own statement of its scheme rather than the package's formula
 * (which the provider, the simulator and other tests share, so agreeing with it proves nothing).
 *
 * Source: Toast developer guide, "Message signing"
 * (https://doc.toasttab.com/doc/devguide/apiMessageSigning.html), whose Java sample is
 *
 *   SecretKeySpec signingKey = new SecretKeySpec(secret.getBytes(), "HmacSHA256");
 *   String signature = body + timestamp;
 *   byte[] rawHmac = mac.doFinal(signature.getBytes(StandardCharsets.UTF_8));
 *   return DatatypeConverter.printBase64Binary(rawHmac);      // -> the Toast-Signature header
 *
 * and "Message data schema": every message body is JSON with "timestamp" (ISO, UTC),
 * "eventCategory", "eventType", "guid" and "details". Toast's list of webhook headers
 * (Toast-Signature, Toast-Event-Type, Toast-Restaurant-External-ID, Toast-Event-Category,
 * Toast-Attempt-Number) has no timestamp header.
 *
 * What Toast does not say, and is therefore unconfirmed (README says so): which text "timestamp"
 * is. We take the payload's "timestamp" field exactly as sent. No real Toast delivery was available.
 *
 * The fixture below was computed once by a line-for-line port of that Java sample and is kept as
 * literal bytes, so a change to the provider's formula cannot move it.
 */
import { createHmac } from 'node:crypto';

import { PosWebhookTrigger } from '../../../../nodes/PosWebhookTrigger/PosWebhookTrigger.node';
import { resetLedgersForTest } from '../../../../nodes/shared/ledger/registry';
import { fakeWebhookContext, webhookAsN8n } from '../../../helpers/webhookContext';

const FIXTURE = {
	secret: 't0ast-subscription-secret-key',
	timestamp: '2026-11-27T12:00:00.000+0000',
	body:
		'{"timestamp":"2026-11-27T12:00:00.000+0000","eventCategory":"orders","eventType":"order_updated",' +
		'"guid":"7e9ae3f8-4a0c-4e0b-9d6a-2f1c0f8a9b10","details":{"restaurantGuid":"d3f1a6b2-0000-4000-8000-000000000001",' +
		'"order":{"guid":"a1b2c3d4-0000-4000-8000-000000000002"}}}',
	toastSignature: 'JEJZapWLwOZfU+SyrsxKqDjCSo+Wln9fPDKLI4LrEeM=',
	restaurant: 'd3f1a6b2-0000-4000-8000-000000000001',
};

/** Toast's Java sample, ported line for line (secret.getBytes(): UTF-8 on any current JVM). */
function toastGetSignature(secret: string, body: string, timestamp: string): string {
	const signature = body + timestamp;
	return createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(signature, 'utf8')).digest('base64');
}

const node = new PosWebhookTrigger();
async function deliver(headers: Record<string, string>, body = FIXTURE.body) {
	const run = fakeWebhookContext(
		{ headers: { 'content-type': 'application/json', ...headers }, body },
		{ credential: { provider: 'toast', signingSecret: FIXTURE.secret }, credentialId: 'cred-toast-doc', workflowId: 'wf-toast-doc' },
	);
	return { ...run, result: await webhookAsN8n(node, run) };
}

beforeEach(() => {
	resetLedgersForTest();
	jest.useFakeTimers({ now: new Date('2026-11-27T12:00:02Z'), doNotFake: ['nextTick', 'setImmediate'] });
});
afterEach(() => jest.useRealTimers());

test("the fixture is what Toast's documented sample computes", () => {
	expect(toastGetSignature(FIXTURE.secret, FIXTURE.body, FIXTURE.timestamp)).toBe(FIXTURE.toastSignature);
});

test('a request signed as Toast documents is accepted, with the headers Toast documents', async () => {
	const { response, result } = await deliver({
		'toast-signature': FIXTURE.toastSignature,
		'toast-event-type': 'order_updated',
		'toast-event-category': 'orders',
		'toast-restaurant-external-id': FIXTURE.restaurant,
		'toast-attempt-number': '1',
	});
	expect(response).toEqual({ status: 200, body: { status: 'accepted', id: '7e9ae3f8-4a0c-4e0b-9d6a-2f1c0f8a9b10' } });
	expect(result.workflowData?.[0].map((i) => i.json)).toEqual([
		{
			id: '7e9ae3f8-4a0c-4e0b-9d6a-2f1c0f8a9b10',
			type: 'order_updated',
			occurredAt: '2026-11-27T12:00:00.000Z',
			provider: 'toast',
			locationId: FIXTURE.restaurant,
			data: JSON.parse(FIXTURE.body),
			receivedAt: '2026-11-27T12:00:02.000Z',
		},
	]);
});

test.each([
	['signature over the body alone', createHmac('sha256', FIXTURE.secret).update(FIXTURE.body).digest('base64')],
	['signature over timestamp + body (the other order)', toastGetSignature(FIXTURE.secret, FIXTURE.timestamp, FIXTURE.body)],
	['hex instead of base64', createHmac('sha256', FIXTURE.secret).update(FIXTURE.body + FIXTURE.timestamp).digest('hex')],
	['another subscription secret', toastGetSignature('another-subscription-secret', FIXTURE.body, FIXTURE.timestamp)],
])('%s: 401 invalid_signature', async (_name, signature) => {
	const { response } = await deliver({ 'toast-signature': signature });
	expect(response).toEqual({ status: 401, body: expect.objectContaining({ reason: 'invalid_signature' }) });
});

test('the body changed by one byte after signing: 401', async () => {
	const { response } = await deliver({ 'toast-signature': FIXTURE.toastSignature }, FIXTURE.body.replace('order_updated', 'order_updatee'));
	expect(response.status).toBe(401);
});
