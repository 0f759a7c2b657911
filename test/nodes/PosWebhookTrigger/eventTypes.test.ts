/**
 * Event Types as the trigger applies them, through webhook() as n8n calls it: the types chosen
 * from the list, Other Event Types, and the earlier free-text field of saved version-1 workflows,
 * combined; an event outside them is answered "ignored" and starts nothing.
 */
import { createHmac } from 'node:crypto';

import { PosWebhookTrigger } from '../../../nodes/PosWebhookTrigger/PosWebhookTrigger.node';
import { resetLedgersForTest } from '../../../nodes/shared/ledger/registry';
import { fakeWebhookContext, type FakeWebhookOptions } from '../../helpers/webhookContext';

const node = new PosWebhookTrigger();
const KEY = 'square signature key for event types';
const URL = 'https://n8n.example.com/webhook/abc/pos';

async function deliverSquare(id: string, type: string, parameters: FakeWebhookOptions['parameters']) {
	const body = JSON.stringify({ event_id: id, type, created_at: new Date().toISOString(), data: {} });
	const signature = createHmac('sha256', KEY).update(URL + body).digest('base64');
	const run = fakeWebhookContext(
		{ headers: { 'x-square-hmacsha256-signature': signature }, body },
		{ credential: { provider: 'square', signingSecret: KEY }, credentialId: 'cred-event-types', webhookUrl: URL, parameters },
	);
	const result = await node.webhook.call(run.ctx);
	// Accepted: written by the node; ignored: handed to n8n to answer (webhookResponse).
	const answer = (run.response.body ?? result.webhookResponse) as { status: string };
	if (answer.status !== 'accepted') expect(result.workflowData).toBeUndefined();
	return answer.status;
}

beforeEach(() => resetLedgersForTest());

test.each([
	['a type chosen from the list', { eventTypes: ['order.created'] }, 'order.created', 'accepted'],
	['a type not chosen', { eventTypes: ['order.created'] }, 'payment.updated', 'ignored'],
	['a type in Other Event Types', { eventTypes: ['order.created'], otherEventTypes: 'payment.*' }, 'payment.updated', 'accepted'],
	['nothing chosen: every event', { eventTypes: [], otherEventTypes: '' }, 'loyalty.event.created', 'accepted'],
	['the earlier field of a saved workflow', { events: 'refund.created' }, 'refund.created', 'accepted'],
	['the earlier field, with a type outside it', { events: 'refund.created' }, 'order.created', 'ignored'],
	['the earlier field together with the list', { events: 'refund.created', eventTypes: ['order.created'] }, 'order.created', 'accepted'],
])('%s: %j, a %s event is %s', async (_case, parameters, type, expected) => {
	expect(await deliverSquare(`sq_${_case.replace(/\W/g, '_')}`, type, parameters)).toBe(expected);
});
