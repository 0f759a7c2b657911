/**
 * The trigger's reply table (README "What the trigger answers") through n8n-core 2.41's real
 * WebhookContext: real parameter resolution, real getCredentials (through the credentials helper),
 * real getWorkflowStaticData on a real Workflow (n8n saves static data only when its __dataChanged
 * mark is set), real getNodeWebhookUrl, and the answer n8n's webhook-helpers would send.
 */
import { contractUserFolder, removeUserFolder } from './harness/userFolder';

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { Webhook as StandardWebhook } from 'standardwebhooks';

import { resetLedgersForTest } from '../../nodes/shared/ledger/registry';
import { b64hmac } from '../helpers/signing';
import { ContractCredentialsHelper, TriggerUnderTest, WEBHOOK_BASE_URL } from './harness/n8nCore';

const homeN8nExisted = existsSync(join(homedir(), '.n8n'));
const SECRET = 'whsec_' + Buffer.from('a 32 byte key for the contract..').toString('base64');
const credentials = new ContractCredentialsHelper();
const standard = credentials.save('cred-standard', { provider: 'standardWebhooks', signingSecret: SECRET });

afterAll(() => removeUserFolder());
beforeEach(() => resetLedgersForTest());

let workflowCounter = 0;
const newTrigger = (parameters: Record<string, string | number | boolean> = {}, credential = standard) =>
	new TriggerUnderTest(`wf-contract-${++workflowCounter}`, credentials, credential, parameters);

function signed(id: string, payload: object = { type: 'order.paid', data: { order_id: id } }, when = new Date(), secret = SECRET) {
	const body = JSON.stringify(payload);
	return {
		headers: {
			'content-type': 'application/json',
			'webhook-id': id,
			'webhook-timestamp': String(Math.floor(when.getTime() / 1000)),
			'webhook-signature': new StandardWebhook(secret).sign(id, when, body),
		},
		body,
	};
}

describe('reply table through the real WebhookContext', () => {
	test('valid signature, new event id: 200 accepted, one execution with one item', async () => {
		const answer = await newTrigger().deliver(signed('msg_new'));
		expect(answer.status).toBe(200);
		expect(answer.body).toEqual({ status: 'accepted', id: 'msg_new' });
		expect(answer.workflowData).toHaveLength(1);
		expect(answer.workflowData![0]).toHaveLength(1);
		expect(answer.workflowData![0][0].json).toMatchObject({ id: 'msg_new', type: 'order.paid', provider: 'standardWebhooks' });
	});

	test('same event id again: 200 duplicate, no execution; still after a restart, from the static data n8n saved', async () => {
		const trigger = newTrigger();
		expect((await trigger.deliver(signed('msg_dup'))).body).toEqual({ status: 'accepted', id: 'msg_dup' });
		const again = await trigger.deliver(signed('msg_dup'));
		expect(again).toMatchObject({ status: 200, body: { status: 'duplicate', id: 'msg_dup' }, workflowData: undefined });
		resetLedgersForTest(); // n8n restarted: only what it saved is left
		const afterRestart = await trigger.deliver(signed('msg_dup'));
		expect(afterRestart).toMatchObject({ status: 200, body: { status: 'duplicate', id: 'msg_dup' }, workflowData: undefined });
	});

	test('event type not selected: 200 ignored, no execution', async () => {
		const answer = await newTrigger({ events: 'order.*' }).deliver(signed('msg_menu', { type: 'menu.updated' }));
		expect(answer).toMatchObject({ status: 200, body: { status: 'ignored', id: 'msg_menu', type: 'menu.updated' }, workflowData: undefined });
	});

	test('wrong signature: 401 invalid_signature; no signature: 401 missing_signature; no execution', async () => {
		const trigger = newTrigger();
		const forged = signed('msg_forged', undefined, new Date(), 'whsec_' + Buffer.from('another 32 byte key for tests...').toString('base64'));
		const wrong = await trigger.deliver(forged);
		expect(wrong.status).toBe(401);
		expect(wrong.body).toMatchObject({ status: 'rejected', reason: 'invalid_signature' });
		expect(wrong.workflowData).toBeUndefined();
		const unsigned = signed('msg_unsigned');
		delete (unsigned.headers as Record<string, string>)['webhook-signature'];
		const missing = await trigger.deliver(unsigned);
		expect(missing.status).toBe(401);
		expect(missing.body).toMatchObject({ status: 'rejected', reason: 'missing_signature' });
		expect(JSON.stringify([wrong.body, missing.body])).not.toContain(SECRET);
	});

	test('timestamp outside the tolerance, past and future: 401', async () => {
		const trigger = newTrigger({ toleranceSeconds: 300 });
		const old = await trigger.deliver(signed('msg_old', undefined, new Date(Date.now() - 600_000)));
		expect(old).toMatchObject({ status: 401, body: { status: 'rejected', reason: 'timestamp_too_old' }, workflowData: undefined });
		const future = await trigger.deliver(signed('msg_future', undefined, new Date(Date.now() + 600_000)));
		expect(future).toMatchObject({ status: 401, body: { status: 'rejected', reason: 'timestamp_in_future' }, workflowData: undefined });
	});

	test('signed body that is not JSON: 400 unparseable_body', async () => {
		const when = new Date();
		const body = 'not json';
		const answer = await newTrigger().deliver({
			headers: {
				'webhook-id': 'msg_text',
				'webhook-timestamp': String(Math.floor(when.getTime() / 1000)),
				'webhook-signature': new StandardWebhook(SECRET).sign('msg_text', when, body),
			},
			body,
		});
		expect(answer).toMatchObject({ status: 400, body: { status: 'rejected', reason: 'unparseable_body' }, workflowData: undefined });
	});

	test("the node's own failure (a credential with no secret, a credential that cannot be loaded): 503", async () => {
		const noSecret = credentials.save('cred-no-secret', { provider: 'standardWebhooks', signingSecret: '' });
		const empty = await newTrigger({}, noSecret).deliver(signed('msg_503'));
		expect(empty).toMatchObject({ status: 503, body: { status: 'error', reason: 'not_configured' }, workflowData: undefined });
		const gone = await newTrigger({}, { id: 'cred-deleted', name: 'deleted' }).deliver(signed('msg_503b'));
		expect(gone).toMatchObject({ status: 503, body: { status: 'error', reason: 'temporarily_unavailable' }, workflowData: undefined });
	});

	test("Square: the signature covers the Production URL, which the node reads from n8n's real getNodeWebhookUrl", async () => {
		const key = 'square-signature-key-contract';
		const square = credentials.save('cred-square', { provider: 'square', signingSecret: key });
		const trigger = newTrigger({}, square);
		const productionUrl = `${WEBHOOK_BASE_URL}/${trigger.webhookId}/pos`;
		const body = JSON.stringify({ event_id: 'sq-evt-1', type: 'order.created', created_at: new Date().toISOString(), data: { id: 'o1' } });
		const answer = await trigger.deliver({ headers: { 'content-type': 'application/json', 'x-square-hmacsha256-signature': b64hmac(key, productionUrl + body) }, body });
		expect(answer).toMatchObject({ status: 200, body: { status: 'accepted', id: 'sq-evt-1' } });
		const elsewhere = b64hmac(key, `${WEBHOOK_BASE_URL}/other/pos` + body);
		const wrongUrl = await trigger.deliver({ headers: { 'content-type': 'application/json', 'x-square-hmacsha256-signature': elsewhere }, body });
		expect(wrongUrl).toMatchObject({ status: 401, body: { status: 'rejected', reason: 'invalid_signature' } });
	});

	// Last: by now n8n-core has set up its instance (InstanceSettings) for every context above.
	test("n8n-core's instance folder is the temporary N8N_USER_FOLDER, not the user's home", () => {
		expect(process.env.N8N_USER_FOLDER).toBe(contractUserFolder);
		expect(existsSync(join(contractUserFolder, '.n8n'))).toBe(true);
		expect(existsSync(join(homedir(), '.n8n'))).toBe(homeN8nExisted);
	});
});
