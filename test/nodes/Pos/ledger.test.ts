import type { IDataObject } from 'n8n-workflow';
import { Webhook as StandardWebhook } from 'standardwebhooks';

import { PosWebhookTrigger } from '../../../nodes/PosWebhookTrigger/PosWebhookTrigger.node';

import { resetLedgersForTest, STATIC_DATA_KEY } from '../../../nodes/shared/ledger/registry';
import { fakeWebhookContext, webhookAsN8n } from '../../helpers/webhookContext';
import { makeEvents } from './fixtures';
import { FixtureServer } from './fixtureServer';
import { HOUR, fastRetries, newWorkflowId, runPos, sharedLedger } from './setup';

const server = new FixtureServer();
beforeAll(async () => {
	fastRetries();
	await server.start();
});
afterAll(async () => server.stop());

describe('Ledger > Get Stats', () => {
	test('reports entries, window, every counter and the last reconciliation', async () => {
		const now = Date.now();
		const workflowId = newWorkflowId();
		const staticData: IDataObject = {};
		const ledger = sharedLedger(workflowId, staticData);
		ledger.claim('evt_webhook_1', now);
		ledger.count('accepted');
		ledger.count('duplicate', 3);
		ledger.count('ignored');
		ledger.count('rejected.invalid_signature', 2);
		ledger.count('rejected.timestamp_too_old');
		server.stripe.push(...makeEvents('stripe', 4, now - 5 * HOUR, now - HOUR));
		await runPos({ server, provider: 'stripe', parameters: { resource: 'event', operation: 'reconcile' }, workflowId, staticData });

		const { items, output } = await runPos({ server, provider: 'stripe', parameters: { resource: 'ledger', operation: 'getStats' }, workflowId, staticData });
		expect(output[0].pairedItem).toEqual({ item: 0 });
		expect(items).toEqual([
			{
				entries: 5,
				oldestEntryAt: expect.any(String),
				windowHours: 72,
				maxEntries: 100000,
				accepted: 1,
				duplicate: 3,
				ignored: 1,
				rejected: 3,
				rejectedByReason: { invalid_signature: 2, timestamp_too_old: 1 },
				recovered: 4,
				triggerSettings: { windowHours: 72, events: '*', removeFields: [], maxEntries: 100000 },
				damage: null,
				lastReconciliation: { checkpoint: expect.any(String), completedAt: expect.any(String), recovered: 4 },
			},
		]);
	});

	test('a workflow that never received anything', async () => {
		const { items } = await runPos({ server, provider: 'stripe', parameters: { resource: 'ledger', operation: 'getStats' }, workflowId: newWorkflowId() });
		expect(items[0]).toMatchObject({ entries: 0, oldestEntryAt: null, accepted: 0, recovered: 0, rejected: 0, rejectedByReason: {} });
		expect(items[0].lastReconciliation).toEqual({ checkpoint: null, completedAt: null, recovered: null });
	});
});

describe('Ledger > Forget', () => {
	test('removes an id so the event is processed again, reports whether it was there', async () => {
		const now = Date.now();
		const workflowId = newWorkflowId();
		const staticData: IDataObject = {};
		const events = makeEvents('stripe', 3, now - 5 * HOUR, now - HOUR);
		server.stripe.push(...events);
		await runPos({ server, provider: 'stripe', parameters: { resource: 'event', operation: 'reconcile' }, workflowId, staticData });
		const ledger = sharedLedger(workflowId, staticData);
		expect(ledger.has(events[1].id, Date.now())).toBe(true);

		const { items } = await runPos({
			server,
			provider: 'stripe',
			parameters: { resource: 'ledger', operation: 'forget' },
			itemParameters: [{ eventId: events[1].id }, { eventId: 'evt_never_seen' }],
			inputItems: [{ json: {} }, { json: {} }],
			workflowId,
			staticData,
		});
		expect(items).toEqual([
			{ eventId: events[1].id, forgotten: true },
			{ eventId: 'evt_never_seen', forgotten: false },
		]);
		expect(ledger.has(events[1].id, Date.now())).toBe(false);
		expect(ledger.claim(events[1].id, Date.now())).toBe(true); // a redelivery now passes
	});

	test('persists: the Forget is in the static data n8n saves, even when this execution loaded none', async () => {
		const now = Date.now();
		const workflowId = newWorkflowId();
		const ledger = sharedLedger(workflowId, {});
		for (const id of ['evt_keep_1', 'evt_forget', 'evt_keep_2']) ledger.claim(id, now);
		// n8n hands every execution its own static data; this one starts with no ledger key at all.
		const staticData: IDataObject = {};
		const forget = (eventId: string) =>
			runPos({ server, provider: 'stripe', parameters: { resource: 'ledger', operation: 'forget', eventId }, workflowId, staticData });

		expect((await forget('evt_never_seen')).items).toEqual([{ eventId: 'evt_never_seen', forgotten: false }]);
		expect(staticData).toEqual({}); // nothing changed, nothing to save

		expect((await forget('evt_forget')).items).toEqual([{ eventId: 'evt_forget', forgotten: true }]);
		expect(Object.keys(staticData)).toEqual([STATIC_DATA_KEY]);
		resetLedgersForTest(); // a restart: only what n8n saved remains
		const restored = sharedLedger(workflowId, JSON.parse(JSON.stringify(staticData)) as IDataObject);
		expect(['evt_keep_1', 'evt_forget', 'evt_keep_2'].map((id) => restored.has(id, Date.now()))).toEqual([true, false, true]);
		expect(restored.stats(Date.now()).entries).toBe(2);
	});

	test('an empty Event ID is a configuration error', async () => {
		await expect(
			runPos({ server, provider: 'stripe', parameters: { resource: 'ledger', operation: 'forget', eventId: '  ' }, workflowId: newWorkflowId() }),
		).rejects.toThrow('Event ID is empty');
	});
});

describe('Get Stats and Forget from the editor (manual runs) act on the live ledger', () => {
	const SECRET = 'whsec_' + Buffer.from('a 32 byte key for the tests.....').toString('base64');
	const trigger = new PosWebhookTrigger();
	async function deliverToTrigger(workflowId: string, id: string) {
		const body = JSON.stringify({ type: 'order.paid', data: { order_id: id } });
		const when = new Date();
		const headers = {
			'webhook-id': id,
			'webhook-timestamp': String(Math.floor(when.getTime() / 1000)),
			'webhook-signature': new StandardWebhook(SECRET).sign(id, when, body),
		};
		const run = fakeWebhookContext({ headers, body }, { credential: { provider: 'standardWebhooks', signingSecret: SECRET }, credentialId: 'cred-ledger', workflowId });
		return await webhookAsN8n(trigger, run);
	}

	test('the production trigger records an event; the editor sees it in Get Stats and forgets it; production accepts it again', async () => {
		const workflowId = newWorkflowId();
		expect((await deliverToTrigger(workflowId, 'msg_live')).workflowData?.[0]).toHaveLength(1);
		expect(await deliverToTrigger(workflowId, 'msg_live')).toEqual({ webhookResponse: { status: 'duplicate', id: 'msg_live' } });

		const stats = await runPos({ server, provider: 'stripe', parameters: { resource: 'ledger', operation: 'getStats' }, workflowId, mode: 'manual' });
		expect(stats.items[0]).toMatchObject({ entries: 1, accepted: 1, duplicate: 1 });

		const forget = await runPos({ server, provider: 'stripe', parameters: { resource: 'ledger', operation: 'forget', eventId: 'msg_live' }, workflowId, mode: 'manual' });
		expect(forget.items).toEqual([{ eventId: 'msg_live', forgotten: true }]);
		const replayed = await deliverToTrigger(workflowId, 'msg_live');
		expect(replayed.workflowData?.[0].map((i) => i.json.id)).toEqual(['msg_live']);
	});
});

