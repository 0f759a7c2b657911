/**
 * Cross-checks against the vendors' own SDKs (dev dependencies): the official Stripe and Square
 * clients, pointed at the fixture server, page through the same events the POS node pulls, and
 * send requests of the same shape. This keeps the fixture server honest (its answers parse in the
 * SDKs) and the node's requests vendor-correct.
 */
import type { IDataObject } from 'n8n-workflow';
import { SquareClient } from 'square';
import Stripe from 'stripe';

import { SQUARE_VERSION } from '../../../nodes/Pos/transport';
import { makeEvents } from './fixtures';
import { FixtureServer } from './fixtureServer';
import { HOUR, fastRetries, newWorkflowId, runPos } from './setup';

const server = new FixtureServer();
beforeAll(async () => {
	fastRetries();
	await server.start();
});
afterAll(async () => server.stop());

test('Stripe SDK (events.list auto-pagination) and the node list the same events with the same paging', async () => {
	const now = Date.now();
	server.stripe.push(...makeEvents('stripe', 230, now - 10 * HOUR, now - HOUR));
	const { items } = await runPos({
		server,
		provider: 'stripe',
		parameters: { resource: 'event', operation: 'getMany', returnAll: true, since: new Date(now - 12 * HOUR).toISOString(), until: new Date(now).toISOString() },
		workflowId: newWorkflowId(),
	});
	const nodeCalls = server.calls('/v1/events').map((r) => r.query);
	server.requests.length = 0;

	const stripe = new Stripe(server.token, { host: '127.0.0.1', port: Number(new URL(server.baseUrl).port), protocol: 'http' });
	const sdkIds: string[] = [];
	const gte = Math.floor((now - 12 * HOUR) / 1000);
	const lte = Math.floor(now / 1000);
	for await (const event of stripe.events.list({ created: { gte, lte }, limit: 100 })) sdkIds.push(event.id);
	const sdkCalls = server.calls('/v1/events').map((r) => r.query);

	expect(items.map((i) => i.id)).toEqual(sdkIds);
	expect(nodeCalls.map((q) => [...q.keys()].sort())).toEqual(sdkCalls.map((q) => [...q.keys()].sort()));
	expect(nodeCalls.map((q) => q.get('starting_after'))).toEqual(sdkCalls.map((q) => q.get('starting_after')));
	expect(nodeCalls[0].get('created[gte]')).toBe(String(gte));
});

test('Square SDK (searchEvents) parses the fixture answers, and sends the body the node sends', async () => {
	server.requests.length = 0;
	const now = Date.now();
	server.square.push(...makeEvents('square', 130, now - 10 * HOUR, now - HOUR));
	const since = new Date(now - 12 * HOUR).toISOString();
	const until = new Date(now).toISOString();
	const { items } = await runPos({
		server,
		provider: 'square',
		parameters: { resource: 'event', operation: 'getMany', returnAll: true, since, until },
		workflowId: newWorkflowId(),
	});
	const nodeCalls = server.calls('/v2/events');
	const nodeBodies = nodeCalls.map((r) => r.body as IDataObject);
	server.requests.length = 0;

	const client = new SquareClient({ token: server.token, environment: server.baseUrl });
	const sdkIds: string[] = [];
	let cursor: string | undefined;
	do {
		const page = await client.events.searchEvents({
			cursor,
			limit: 100,
			query: { filter: { createdAt: { startAt: since, endAt: until } }, sort: { field: 'DEFAULT', order: 'ASC' } },
		});
		for (const e of page.events ?? []) sdkIds.push(e.eventId!);
		cursor = page.cursor;
	} while (cursor);
	const sdkBodies = server.calls('/v2/events').map((r) => r.body as IDataObject);

	expect(items.map((i) => i.id)).toEqual(sdkIds);
	expect(nodeBodies).toEqual(sdkBodies);
	// The node's own requests (captured before the SDK ran): Square's dated API version and the token, on every page.
	expect(nodeCalls).toHaveLength(2);
	for (const call of nodeCalls) {
		expect(call.headers['square-version']).toBe(SQUARE_VERSION);
		expect(call.headers.authorization).toBe(`Bearer ${server.token}`);
	}
});
