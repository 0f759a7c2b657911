import type { IDataObject } from 'n8n-workflow';

import { makeEvents } from './fixtures';
import { FixtureServer } from './fixtureServer';
import { HOUR, fastRetries, newWorkflowId, runPos, sharedLedger } from './setup';

const getMany = (extra: IDataObject = {}) => ({ resource: 'event', operation: 'getMany', ...extra });

const server = new FixtureServer();
beforeAll(async () => {
	fastRetries();
	await server.start();
});
afterAll(async () => server.stop());
beforeEach(() => {
	server.stripe.length = 0;
	server.square.length = 0;
	server.generic.length = 0;
	server.requests.length = 0;
	server.intercept = undefined;
});

describe('Event > Get Many', () => {
	test('default: the last 24 hours, at most 50 items, stops paging once the limit is reached', async () => {
		const now = Date.now();
		server.stripe.push(...makeEvents('stripe', 180, now - 20 * HOUR, now - 60_000));
		const { items, output } = await runPos({ server, provider: 'stripe', parameters: getMany(), workflowId: newWorkflowId() });
		expect(items).toHaveLength(50);
		const calls = server.calls('/v1/events');
		expect(calls).toHaveLength(1);
		expect(calls[0].query.get('limit')).toBe('50');
		expect(Number(calls[0].query.get('created[lte]'))).toBeCloseTo(now / 1000, -1);
		expect(Number(calls[0].query.get('created[gte]'))).toBeCloseTo((now - 24 * HOUR) / 1000, -1);
		// Stripe lists newest first; Get Many keeps the API's order
		expect(items[0].id).toBe(server.stripe[179].id);
		expect(output[0].pairedItem).toEqual({ item: 0 });
		expect(items.every((i) => !('recovered' in i))).toBe(true);
	});

	test('a limit across several pages (generic, page size 20)', async () => {
		const now = Date.now();
		server.generic.push(...makeEvents('generic', 200, now - 20 * HOUR, now - 60_000));
		const { items } = await runPos({
			server,
			provider: 'standardWebhooks',
			parameters: getMany({ limit: 65, apiOptions: { pageSize: 20 } }),
			workflowId: newWorkflowId(),
		});
		expect(items.map((i) => i.id)).toEqual(server.generic.slice(0, 65).map((e) => e.id));
		expect(server.calls('/events')).toHaveLength(4);
	});

	test('Return All with Since/Until pages to the end; the ledger is untouched', async () => {
		const now = Date.now();
		server.square.push(...makeEvents('square', 230, now - 40 * HOUR, now - 30 * HOUR));
		server.square.push(...makeEvents('square', 10, now - 10 * HOUR, now - 9 * HOUR));
		const workflowId = newWorkflowId();
		const since = new Date(now - 48 * HOUR).toISOString();
		const until = new Date(now - 20 * HOUR).toISOString();
		const { items } = await runPos({ server, provider: 'square', parameters: getMany({ returnAll: true, since, until }), workflowId });
		expect(items).toHaveLength(230);
		const calls = server.calls('/v2/events');
		expect(calls).toHaveLength(3);
		expect((calls[0].body as IDataObject).query).toMatchObject({ filter: { created_at: { start_at: since, end_at: until } } });
		const ledger = sharedLedger(workflowId);
		expect(ledger.stats(Date.now()).entries).toBe(0);
		expect(ledger.getReconcile()).toEqual({});
		expect(items[0]).toEqual({
			id: server.square[0].id,
			type: server.square[0].type,
			occurredAt: new Date(server.square[0].createdMs).toISOString(),
			provider: 'square',
			locationId: 'L1VFZYJJ3GH1N',
			data: expect.objectContaining({ event_id: server.square[0].id }),
			receivedAt: expect.any(String),
		});
	});

	test('Event Types filter and per-item parameters (one listing per input item)', async () => {
		const now = Date.now();
		server.stripe.push(...makeEvents('stripe', 30, now - 5 * HOUR, now - HOUR));
		const { output } = await runPos({
			server,
			provider: 'stripe',
			parameters: getMany({ returnAll: true }),
			itemParameters: [{ events: 'order.created' }, { events: 'payment_intent.*' }],
			inputItems: [{ json: {} }, { json: {} }],
			workflowId: newWorkflowId(),
		});
		expect(output.filter((o) => o.pairedItem && (o.pairedItem as { item: number }).item === 0)).toHaveLength(20);
		expect(output.filter((o) => o.pairedItem && (o.pairedItem as { item: number }).item === 1)).toHaveLength(10);
	});

	test('Since after Until is a configuration error', async () => {
		await expect(
			runPos({
				server,
				provider: 'stripe',
				parameters: getMany({ since: '2025-06-02T00:00:00Z', until: '2025-06-01T00:00:00Z' }),
				workflowId: newWorkflowId(),
			}),
		).rejects.toThrow('Since must be before Until');
		expect(server.requests).toHaveLength(0);
	});
});
