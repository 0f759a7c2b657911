/**
 * npm run demo: a restaurant's n8n with this package, the example workflows, and a POS that
 * misbehaves like real ones. Prints a report proving every order was handled exactly once and
 * every forged or replayed request was rejected, then leaves n8n running (--exit to stop).
 *
 *   npm run demo -- [--orders 300] [--seed 7] [--exit] [--drop 0.05] [--duplicate 0.1]
 *                   [--concurrent 0.03] [--reorder 0.1] [--forge 0.05] [--replay 0.05]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { deliver, startSimulator, type FaultOptions } from '../simulator';
import { startN8n, REPO_ROOT, type N8nInstance } from '../test/e2e/harness';
import type { CredentialJson, WorkflowJson } from '../test/e2e/harness';

const SECRET = 'whsec_' + Buffer.from('demo restaurant signing key 32b!').toString('base64');
const API_TOKEN = 'sim_demo_token';

export interface DemoOptions {
	orders: number;
	seed: number;
	faults: FaultOptions;
	/** Stop n8n and the simulator at the end (else they keep running for the user). */
	exit: boolean;
	print?: (line: string) => void;
}

export interface DemoResult {
	pass: boolean;
	exactlyOnce: boolean;
	forgeriesAndReplaysRejected: boolean;
	orders: number;
	droppedOrders: number;
	recoveredOrders: number;
	smsPerOrder: number[];
	stop: () => Promise<void>;
}

export const DEFAULT_FAULTS: FaultOptions = {
	drop: 0.05,
	duplicate: 0.1,
	concurrentDuplicate: 0.03,
	concurrentCopies: 5,
	reorder: 0.1,
	forge: 0.05,
	replay: 0.05,
	jitterMs: 50,
};
const SIM_PLACEHOLDER = 'http://127.0.0.1:4010';

function loadExample(file: string, simulatorUrl: string): WorkflowJson {
	const text = readFileSync(join(REPO_ROOT, 'examples', file), 'utf8').split(SIM_PLACEHOLDER).join(simulatorUrl);
	return JSON.parse(text) as WorkflowJson;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
	const { orders: ORDERS, seed: SEED, faults } = options;
	const console = { log: options.print ?? ((line: string) => process.stdout.write(`${line}\n`)) };
	const started = Date.now();
	const sim = await startSimulator({ port: 0, apiToken: API_TOKEN, seed: SEED });
	console.log(`POS simulator on ${sim.url}`);

	const plain = loadExample('order-loyalty-sms.json', sim.url);
	const reconciled = loadExample('order-loyalty-sms-reconciled.json', sim.url);
	// Demo pace: reconcile every 10 s with a 5 s settle delay (the example says 15 min and 300 s).
	for (const node of reconciled.nodes) {
		if (node.type === 'n8n-nodes-base.scheduleTrigger') {
			node.parameters = { rule: { interval: [{ field: 'seconds', secondsInterval: 10 }] } };
			node.name = 'Every 15 Minutes';
		}
		if (node.type === 'n8n-nodes-pos-webhooks.pos') node.parameters = { ...node.parameters, settleDelaySeconds: 5, lookBackHours: 1 };
	}
	const credentials: CredentialJson[] = [
		{
			id: 'posDemoCred00001',
			name: 'POS API (demo)',
			type: 'posApi',
			data: { provider: 'standardWebhooks', signingSecret: SECRET, previousSigningSecret: '', apiToken: API_TOKEN, baseUrl: sim.url },
		},
	];

	let n8n: N8nInstance | undefined;
	const stop = async () => {
		await n8n?.stop();
		await sim.close();
	};
	try {
		n8n = await startN8n({ workflows: [plain, reconciled], credentials });
		const trigger = reconciled.nodes.find((n) => n.type === 'n8n-nodes-pos-webhooks.posWebhookTrigger');
		const url = n8n.triggerUrl(String(trigger?.webhookId));
		console.log(`n8n ${n8n.baseUrl} is up; delivering ${ORDERS} POS events to ${url}`);

		// Events happen in real time, one every 40 ms, and are sent as they happen (as a POS does):
		// the POS's history API shows each one from its time on, reconciliation 5 s later.
		const events = sim.generate({ provider: 'standardWebhooks', count: ORDERS, nonOrderRate: 0.1, startTime: Date.now() + 500, spacingMs: 40 });
		const orderEvents = events.filter((e) => e.kind === 'order.paid');
		const report = await deliver({ url, provider: 'standardWebhooks', secrets: [SECRET], events, seed: SEED, faults, timeScale: 0.001, concurrency: 8, intervalMs: 40 });
		const t = report.totals;
		console.log(`delivery finished in ${(report.durationMs / 1000).toFixed(1)} s; waiting for reconciliation to recover the ${t.dropped} dropped events`);

		const deadline = Date.now() + 120_000;
		let downstream = sim.report();
		const handled = () => orderEvents.filter((e) => (downstream.orders[e.orderId ?? '']?.sms ?? 0) >= 1).length;
		while (handled() < orderEvents.length && Date.now() < deadline) {
			await new Promise((r) => setTimeout(r, 2000));
			downstream = sim.report();
		}
		await new Promise((r) => setTimeout(r, 3000)); // let any late (wrong) duplicate show up
		downstream = sim.report();

		const smsCounts = orderEvents.map((e) => downstream.orders[e.orderId ?? '']?.sms ?? 0);
		const loyaltyCounts = orderEvents.map((e) => downstream.orders[e.orderId ?? '']?.loyalty ?? 0);
		const droppedOrderIds = report.events.filter((e) => e.outcome === 'dropped' && e.orderId).map((e) => e.orderId as string);
		const recoveredOrders = droppedOrderIds.filter((id) => (downstream.orders[id]?.sms ?? 0) >= 1).length;
		const exactlyOnce = smsCounts.every((c) => c === 1) && loyaltyCounts.every((c) => c === 1);
		const forgeriesOk = t.forgeriesAccepted === 0 && t.forgeriesRejected === t.forgeriesSent;
		// A fresh replay (inside the tolerance) of an event already handled must start nothing: it
		// is answered "duplicate", or "ignored" when its event type is not selected (menu, shift).
		const freshReplays = report.events.flatMap((e) => e.extra.filter((x) => x.kind === 'replay' && !x.stale));
		const freshReplaysRefused = freshReplays.filter((x) => x.ok && (x.replyStatus === 'duplicate' || x.replyStatus === 'ignored')).length;
		const replaysOk = t.staleReplaysRejected === t.staleReplaysSent && freshReplaysRefused === freshReplays.length;
		const executions = await n8n.executionCount();

		const rows: Array<[string, string | number]> = [
			['fault rates', Object.entries(faults).filter(([k]) => k !== 'concurrentCopies' && k !== 'jitterMs').map(([k, v]) => `${k} ${v}`).join(', ')],
			['POS events (orders + menu/shift)', `${events.length} (${orderEvents.length} orders)`],
			['HTTP requests sent', t.requests],
			['retries after errors/timeouts', t.retries],
			['answered accepted', t.replies.accepted ?? 0],
			['all answers by reply status', JSON.stringify(t.replies)],
			['duplicates dropped (retries, duplicates, fresh replays)', t.replies.duplicate ?? 0],
			['ignored (event type not selected)', t.replies.ignored ?? 0],
			['forged requests rejected / sent', `${t.forgeriesRejected} / ${t.forgeriesSent}`],
			['stale replays rejected / sent', `${t.staleReplaysRejected} / ${t.staleReplaysSent}`],
			['fresh replays answered duplicate or ignored, no execution / sent', `${freshReplaysRefused} / ${freshReplays.length}`],
			['orders missed by webhooks (dropped)', droppedOrderIds.length],
			['of those, recovered by reconciliation', recoveredOrders],
			['orders with exactly one loyalty posting', `${loyaltyCounts.filter((c) => c === 1).length} / ${orderEvents.length}`],
			['orders with exactly one SMS', `${smsCounts.filter((c) => c === 1).length} / ${orderEvents.length}`],
			['orders texted twice or more / never', `${smsCounts.filter((c) => c > 1).length} / ${smsCounts.filter((c) => c === 0).length}`],
			['n8n executions (webhook + schedule)', executions],
			['receiver answers that were wrong', t.unexpected],
		];
		const width = Math.max(...rows.map(([k]) => k.length));
		console.log('\n==== POS demo report ====');
		for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
		const verdict = exactlyOnce && forgeriesOk && replaysOk && t.unexpected === 0;
		console.log(`\n${verdict ? 'PASS' : 'FAIL'}: every order produced exactly one SMS and one loyalty posting: ${exactlyOnce ? 'yes' : 'NO'}; every forged or replayed request rejected: ${forgeriesOk && replaysOk ? 'yes' : 'NO'}`);
		console.log(`(demo took ${((Date.now() - started) / 1000).toFixed(0)} s)`);

		const result: DemoResult = {
			pass: verdict,
			exactlyOnce,
			forgeriesAndReplaysRejected: forgeriesOk && replaysOk,
			orders: orderEvents.length,
			droppedOrders: droppedOrderIds.length,
			recoveredOrders,
			smsPerOrder: smsCounts,
			stop,
		};
		if (options.exit || !verdict) {
			await stop();
			return result;
		}
		console.log(`\nn8n is still running at ${n8n.baseUrl} (user folder ${n8n.userFolder}); the simulator at ${sim.url}.`);
		console.log('The example workflows are published; open them to look at the executions. Press Ctrl+C to stop.');
		console.log(`Send more orders: npm run simulator -- send --provider standardWebhooks --url ${url} --secret ${SECRET} --orders 20 --simulator ${sim.url}`);
		return result;
	} catch (error) {
		if (n8n) process.stderr.write(`${n8n.logs.tail(40)}\n`);
		await stop();
		throw error;
	}
}

if (require.main === module) {
	const args = process.argv.slice(2);
	const num = (name: string, fallback: number) => {
		const i = args.indexOf(`--${name}`);
		return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
	};
	const faults: FaultOptions = {
		...DEFAULT_FAULTS,
		drop: num('drop', 0.05),
		duplicate: num('duplicate', 0.1),
		concurrentDuplicate: num('concurrent', 0.03),
		reorder: num('reorder', 0.1),
		forge: num('forge', 0.05),
		replay: num('replay', 0.05),
	};
	runDemo({ orders: num('orders', 300), seed: num('seed', 7), faults, exit: args.includes('--exit') })
		.then((result) => {
			if (!result.pass || args.includes('--exit')) process.exit(result.pass ? 0 : 1);
			process.on('SIGINT', () => void result.stop().then(() => process.exit(0)));
		})
		.catch((error) => {
			process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
			process.exit(1);
		});
}
