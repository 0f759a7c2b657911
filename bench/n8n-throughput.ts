/**
 * Against one real n8n in the same run, same client, same 1 KB body, 8 concurrent clients:
 * (a) n8n's Webhook node without authentication, (b) with Header Auth, (c) our trigger starting
 * executions with an empty ledger and with 50,000 entries, (d) a storm of duplicates, (e) a
 * storm of forged requests. Cases are interleaved over rounds; the median round is reported.
 */
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

import { Ledger } from '../nodes/shared/ledger/Ledger';
import { STATIC_DATA_KEY } from '../nodes/shared/ledger/registry';
import { startN8n, type CredentialJson, type WorkflowJson } from '../test/e2e/harness';
import { runLoad, type LoadResult, type OneRequest } from './load';

const SECRET = 'whsec_' + Buffer.from('benchmark key benchmark key 32b!').toString('base64');
const HEADER_SECRET = 'bench-header-secret-value';

function body1k(id: string): string {
	const base = { type: 'order.paid', timestamp: new Date().toISOString(), data: { order_id: id, location_id: 'L1', note: '' } };
	base.data.note = 'x'.repeat(Math.max(0, 1024 - JSON.stringify(base).length));
	return JSON.stringify(base);
}

function signed(id: string, secret = SECRET): OneRequest {
	const body = body1k(id);
	const when = new Date();
	return {
		body,
		headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(when.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, when, body) },
	};
}

function seededLedger(entries: number): Record<string, unknown> {
	const ledger = new Ledger(72 * 3_600_000, 200_000);
	const now = Date.now();
	for (let i = 0; i < entries; i++) ledger.claim(`seed_${i}`, now - Math.floor((i / entries) * 71 * 3_600_000));
	return { global: { [STATIC_DATA_KEY]: JSON.parse(JSON.stringify(ledger)) } };
}

const webhookNode = (name: string, path: string, auth?: { id: string; name: string }) => ({
	id: randomUUID(),
	name,
	type: 'n8n-nodes-base.webhook',
	typeVersion: 2,
	position: [0, 0] as [number, number],
	webhookId: randomUUID(),
	parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {}, ...(auth ? { authentication: 'headerAuth' } : {}) },
	...(auth ? { credentials: { httpHeaderAuth: auth } } : {}),
});

const posTrigger = (webhookId: string, cred: { id: string; name: string }, parameters: Record<string, unknown> = {}) => ({
	id: randomUUID(),
	name: 'POS Webhook Trigger',
	type: 'n8n-nodes-pos-webhooks.posWebhookTrigger',
	typeVersion: 1,
	position: [0, 0] as [number, number],
	webhookId,
	parameters,
	credentials: { posApi: cred },
});

const wf = (id: string, name: string, node: ReturnType<typeof webhookNode> | ReturnType<typeof posTrigger>, staticData?: Record<string, unknown>) =>
	({ id, name, active: false, nodes: [node], connections: {}, settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all' }, ...(staticData ? { staticData } : {}) }) as unknown as WorkflowJson;

export interface ThroughputCase extends LoadResult {
	name: string;
	/** Time after the last reply until every execution the case started had finished. */
	drainMs: number;
	/** requests / (load time + drain time): the rate n8n can keep up with, executions included. */
	sustainedRps: number;
}

export async function runN8nThroughput(options: { durationMs?: number; rounds?: number; concurrency?: number; env?: Record<string, string> } = {}) {
	const durationMs = options.durationMs ?? 12_000;
	const rounds = options.rounds ?? 3;
	const concurrency = options.concurrency ?? 8;
	const posCred: CredentialJson = { id: 'benchPosCred0001', name: 'POS bench', type: 'posApi', data: { provider: 'standardWebhooks', signingSecret: SECRET, previousSigningSecret: '', apiToken: '', baseUrl: '' } };
	const headerCred: CredentialJson = { id: 'benchHeaderCred1', name: 'Header bench', type: 'httpHeaderAuth', data: { name: 'X-Api-Key', value: HEADER_SECRET } };
	const emptyId = 'b0a1c2d3-0000-4000-8000-000000000001';
	const fullId = 'b0a1c2d3-0000-4000-8000-000000000002';
	const noDedupeId = 'b0a1c2d3-0000-4000-8000-000000000003';
	const workflows = [
		wf('benchPlainHook01', 'bench: n8n Webhook, no auth', webhookNode('Webhook', 'bench-plain')),
		wf('benchHeaderHook1', 'bench: n8n Webhook, Header Auth', webhookNode('Webhook', 'bench-header', { id: headerCred.id, name: headerCred.name })),
		wf('benchPosEmpty001', 'bench: POS trigger, empty ledger', posTrigger(emptyId, { id: posCred.id, name: posCred.name })),
		wf('benchPosFull0001', 'bench: POS trigger, 50,000 ids', posTrigger(fullId, { id: posCred.id, name: posCred.name }), seededLedger(50_000)),
		// Same trigger without the ledger: what remembering ids costs n8n (its static-data write).
		wf('benchPosNoDedupe', 'bench: POS trigger, dedupe off', posTrigger(noDedupeId, { id: posCred.id, name: posCred.name }, { dedupe: false })),
	];
	const n8n = await startN8n({ workflows, credentials: [posCred, headerCred], readyPaths: ['bench-plain', 'bench-header', `${emptyId}/pos`, `${fullId}/pos`, `${noDedupeId}/pos`], env: options.env });
	try {
		const saved = JSON.stringify((await n8n.staticData('benchPosFull0001')) ?? {}).length;
		let seq = 0;
		const fresh = (tag: string) => () => signed(`msg_${tag}_${Date.now().toString(36)}_${seq++}`);
		const dupId = `msg_dup_${Date.now()}`;
		const cases: Array<{ name: string; url: string; make: (i: number) => OneRequest }> = [
			{ name: '(a) n8n Webhook node, no auth', url: n8n.webhookUrl('bench-plain'), make: () => ({ headers: {}, body: body1k('x') }) },
			{ name: '(b) n8n Webhook node, Header Auth', url: n8n.webhookUrl('bench-header'), make: () => ({ headers: { 'X-Api-Key': HEADER_SECRET }, body: body1k('x') }) },
			{ name: '(c) POS trigger, accepted, empty ledger', url: n8n.triggerUrl(emptyId), make: fresh('e') },
			{ name: '(c) POS trigger, accepted, 50,000-id ledger', url: n8n.triggerUrl(fullId), make: fresh('f') },
			{ name: '(d) POS trigger, duplicate storm', url: n8n.triggerUrl(fullId), make: () => signed(dupId) },
			{ name: '(f) POS trigger, accepted, Drop Duplicate Events off (no ledger write)', url: n8n.triggerUrl(noDedupeId), make: fresh('n') },
			{ name: '(e) POS trigger, forged storm', url: n8n.triggerUrl(fullId), make: (i) => signed(`msg_forged_${i}`, 'whsec_' + Buffer.from('not the real key').toString('base64')) },
		];
		// n8n answers before the execution ends (our trigger even before it is registered), so a
		// case can leave executions running that would slow the next one: wait for them, and count
		// that time in the case's sustained rate.
		const drain = async () => {
			const t0 = performance.now();
			for (;;) {
				const [row] = await n8n.query<{ n: number }>("SELECT COUNT(*) AS n FROM execution_entity WHERE status IN ('new', 'running')");
				if (!row || Number(row.n) === 0) return performance.now() - t0;
				await new Promise((r) => setTimeout(r, 100));
			}
		};
		// Warm up every path once (the first request loads code and credentials).
		for (const c of cases) {
			await runLoad(c.url, c.make, 2, 3000);
			await drain();
		}
		await runLoad(n8n.triggerUrl(fullId), () => signed(dupId), 1, 200);
		const results = new Map<string, ThroughputCase[]>();
		for (let round = 0; round < rounds; round++) {
			for (const c of cases) {
				const r = await runLoad(c.url, c.make, concurrency, durationMs);
				const drainMs = await drain();
				const sustainedRps = Math.round((r.requests / ((durationMs + drainMs) / 1000)) * 10) / 10;
				results.set(c.name, [...(results.get(c.name) ?? []), { name: c.name, ...r, drainMs: Math.round(drainMs), sustainedRps }]);
			}
		}
		const median = (xs: ThroughputCase[]) => [...xs].sort((a, b) => a.sustainedRps - b.sustainedRps)[Math.floor(xs.length / 2)];
		const table = cases.map((c) => median(results.get(c.name) ?? []));
		const fullLedgerStaticDataBytes = JSON.stringify((await n8n.staticData('benchPosFull0001')) ?? {}).length;
		const executions = {
			plain: await n8n.executionCount('benchPlainHook01'),
			posEmpty: await n8n.executionCount('benchPosEmpty001'),
			posFull: await n8n.executionCount('benchPosFull0001'),
		};
		return { durationMs, rounds, concurrency, seededStaticDataBytes: saved, fullLedgerStaticDataBytes, executions, cases: table };
	} finally {
		await n8n.stop();
	}
}

if (require.main === module) {
	runN8nThroughput({ durationMs: Number(process.argv[2] ?? 12_000), rounds: Number(process.argv[3] ?? 2) })
		.then((r) => console.log(JSON.stringify(r, null, 1)))
		.catch((e) => {
			console.error(e);
			process.exit(1);
		});
}
