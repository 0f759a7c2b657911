/**
 * README: Reconcile reads Stripe's history (30 days) and Square's (28 days); a Look Back or a
 * dedupe window longer than that is cut to what the POS keeps, and the user is told.
 */
import { FixtureServer } from './fixtureServer';
import { DAY, fastRetries, newWorkflowId, runPos, sharedLedger } from './setup';

const server = new FixtureServer();
beforeAll(async () => {
	fastRetries();
	await server.start();
});
afterAll(async () => server.stop());
beforeEach(() => {
	server.requests.length = 0;
});

const sixtyDays = { resource: 'event', operation: 'reconcile', lookBackHours: 24 * 60 };
/** A workflow whose trigger remembers event IDs for 60 days (the window is the trigger's, kept in the ledger). */
function workflowWithSixtyDayWindow(): string {
	const workflowId = newWorkflowId();
	sharedLedger(workflowId, {}, 24 * 60);
	return workflowId;
}

test("Square: the window starts no earlier than Square's 28 days of history", async () => {
	const before = Date.now();
	const { harness } = await runPos({ server, provider: 'square', parameters: sixtyDays, workflowId: workflowWithSixtyDayWindow() });
	const after = Date.now();
	const calls = server.calls('/v2/events');
	expect(calls).toHaveLength(1);
	const start = Date.parse((calls[0].body as { query: { filter: { created_at: { start_at: string } } } }).query.filter.created_at.start_at);
	// Exactly 28 days before the moment the node ran (between the two clock readings).
	expect(start).toBeGreaterThanOrEqual(before - 28 * DAY);
	expect(start).toBeLessThanOrEqual(after - 28 * DAY);
	expect(harness.logs.filter((l) => l.level === 'warn' && /cannot be reconciled/.test(l.message))).toHaveLength(1);
});

test("Stripe: the window starts no earlier than Stripe's 30 days of history", async () => {
	const before = Math.floor(Date.now() / 1000);
	await runPos({ server, provider: 'stripe', parameters: sixtyDays, workflowId: workflowWithSixtyDayWindow() });
	const after = Math.ceil(Date.now() / 1000);
	const gte = Number(server.calls('/v1/events')[0].query.get('created[gte]'));
	expect(gte).toBeGreaterThanOrEqual(before - 30 * 86_400);
	expect(gte).toBeLessThanOrEqual(after - 30 * 86_400);
});
