import type { IDataObject } from 'n8n-workflow';

import { STATIC_DATA_KEY } from '../../../nodes/shared/ledger/registry';
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
	test('removes an id so the event is processed again, reports whether it was there, persists', async () => {
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
		const saved = JSON.parse(JSON.stringify(staticData)) as IDataObject;
		expect(saved[STATIC_DATA_KEY]).toBeDefined();
	});

	test('an empty Event ID is a configuration error', async () => {
		await expect(
			runPos({ server, provider: 'stripe', parameters: { resource: 'ledger', operation: 'forget', eventId: '  ' }, workflowId: newWorkflowId() }),
		).rejects.toThrow('Event ID is empty');
	});
});
