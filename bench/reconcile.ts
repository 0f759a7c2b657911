/**
 * Reconciliation of N events (default 100,000) from the POS simulator's generic events API,
 * served from a child process so that only the POS node's memory is measured here. Runs the
 * POS node's Event > Reconcile through the test execute context with real HTTP, then prints wall
 * time, events/s and peak RSS growth as JSON on the last line.
 *
 *   npx tsx bench/reconcile.ts [events] [pageSize]
 */
import { fork } from 'node:child_process';

import type { IDataObject } from 'n8n-workflow';

// '.js' (resolved to the .ts source): the bare name would load the codex file Pos.node.json under tsx.
import { Pos } from '../nodes/Pos/Pos.node.js';
import { startSimulator } from '../simulator';
import { createExecuteContext } from '../test/helpers/executeContext';

const TOKEN = 'bench-token';

async function serve(count: number): Promise<void> {
	const sim = await startSimulator({ port: 0, apiToken: TOKEN, seed: 11 });
	// Events spread over the last 20 hours, all older than the settle delay.
	const spacingMs = Math.floor((20 * 3_600_000) / count);
	sim.generate({ provider: 'standardWebhooks', count, startTime: Date.now() - 20 * 3_600_000 - 600_000, spacingMs, nonOrderRate: 0.1 });
	process.send?.({ url: sim.url });
	process.on('disconnect', () => void sim.close().then(() => process.exit(0)));
}

export interface ReconcileBench {
	events: number;
	pageSize: number;
	recovered: number;
	allRecovered: boolean;
	wallMs: number;
	eventsPerSec: number;
	rssBaselineMB: number;
	rssPeakMB: number;
	peakRssGrowthMB: number;
	/** The emitted items as JSON: what n8n holds as this node's output whatever we do. */
	outputJsonMB: number;
}

export async function runReconcileBench(count = 100_000, pageSize = 1000): Promise<ReconcileBench> {
	const child = fork(__filename, ['--serve', String(count)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: process.execArgv });
	const url = await new Promise<string>((resolve, reject) => {
		child.once('message', (m) => resolve((m as { url: string }).url));
		child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
	});
	try {
		const staticData: IDataObject = {};
		const harness = createExecuteContext({
			nodeType: new Pos(),
			parameters: { resource: 'event', operation: 'reconcile', lookBackHours: 24, settleDelaySeconds: 300, apiOptions: { pageSize } },
			credentials: { provider: 'standardWebhooks', signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', apiToken: TOKEN, baseUrl: url },
			workflowId: `bench-${Date.now()}`,
			staticData,
			httpTimeoutMs: 60_000,
		});
		(globalThis as { gc?: () => void }).gc?.();
		const baseline = process.memoryUsage().rss;
		let peak = baseline;
		const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
		const t0 = performance.now();
		const [out] = await harness.run();
		const wallMs = performance.now() - t0;
		clearInterval(sampler);
		peak = Math.max(peak, process.memoryUsage().rss);
		const ids = new Set(out.map((i) => i.json.id as string));
		const mb = (b: number) => Math.round((b / 1_048_576) * 10) / 10;
		return {
			events: count,
			pageSize,
			recovered: out.length,
			allRecovered: ids.size === out.length && out.length > 0,
			wallMs: Math.round(wallMs),
			eventsPerSec: Math.round(out.length / (wallMs / 1000)),
			rssBaselineMB: mb(baseline),
			rssPeakMB: mb(peak),
			peakRssGrowthMB: mb(peak - baseline),
			outputJsonMB: mb(out.reduce((n, i) => n + JSON.stringify(i.json).length, 0)),
		};
	} finally {
		child.disconnect();
	}
}

if (process.argv[2] === '--serve') {
	void serve(Number(process.argv[3]));
} else if (require.main === module) {
	runReconcileBench(Number(process.argv[2] ?? 100_000), Number(process.argv[3] ?? 1000))
		.then((r) => console.log(JSON.stringify(r)))
		.catch((error) => {
			console.error(error);
			process.exit(1);
		});
}
