/**
 * Ledger Storage "Shared (Redis)" chosen on an n8n that lacks the companion package: the workflow
 * must refuse to activate with a message naming the package (what the editor shows), and its
 * webhook must not answer. One real n8n (SQLite, this package only, installed as users install it).
 */
import { NODE_TYPES, n8nId, posCredential, randomWhsecSecret, sleep, startN8n, triggerWorkflow, waitUntil, type N8nInstance } from './harness';

jest.setTimeout(300_000);

const posApi = posCredential({ provider: 'standardWebhooks', signingSecret: randomWhsecSecret() });
const ledger = { id: n8nId(), name: 'POS Ledger Redis e2e', type: 'posLedgerRedisApi', data: { host: '127.0.0.1', port: '6379', prefix: 'pos-e2e-unused:' } as Record<string, string> };
const workflow = triggerWorkflow({ credential: posApi, webhookId: `e2e-q-nocompanion-${n8nId().toLowerCase()}`, name: 'queue without companion' });
const trigger = workflow.nodes.find((n) => n.type === NODE_TYPES.trigger)!;
trigger.parameters.ledgerStorage = 'redis';
trigger.credentials = { ...trigger.credentials, posLedgerRedisApi: { id: ledger.id, name: ledger.name } };

let n8n: N8nInstance;

afterAll(async () => {
	await n8n?.stop();
});

test('without n8n-nodes-pos-webhooks-redis, activation fails naming the package, and the webhook stays unregistered', async () => {
	// readyPaths []: nothing can become ready; the test waits for the activation failure instead.
	n8n = await startN8n({ workflows: [workflow], credentials: [posApi, ledger], readyPaths: [] });
	const mark = 0;
	const line = await waitUntil(
		async () => n8n.logs.since(mark).split('\n').find((l) => l.includes('n8n-nodes-pos-webhooks-redis')),
		{ timeoutMs: 120_000, intervalMs: 500, describe: () => `an activation error naming the companion package\n${n8n.logs.tail(40)}` },
	);
	expect(line).toContain('Shared (Redis) ledger storage needs the package n8n-nodes-pos-webhooks-redis');
	await sleep(1_000);
	const res = await fetch(n8n.triggerUrl(trigger.webhookId!), { method: 'POST', body: '{}' });
	expect(res.status).toBe(404);
});
