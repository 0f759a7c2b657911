/**
 * Reconciliation of N missed events (default 100,000) from the POS simulator's generic events
 * API, served from a child process so that only the POS node's memory is measured here. Runs the
 * POS node's Event > Reconcile through the test execute context with real HTTP, run after run
 * (each emits at most Max Events per Run) until one finds nothing, then prints wall time,
 * events/s and peak RSS growth as JSON on the last line.
 *
 *   npx tsx bench/reconcile.ts [events] [pageSize] [maxEventsPerRun]
 */
import { fork } from 'node:child_process';

import type { IDataObject } from 'n8n-workflow';

// '.js' (resolved to the .ts source): the bare name would load the codex file Pos.node.json under tsx.
import { Pos } from '../nodes/Pos/Pos.node.js';
import { DEFAULT_MAX_EVENTS_PER_RUN } from '../nodes/Pos/actions/event/reconcile.operation';
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
	/** Reconcile's Max Events per Run (its default unless given). */
	maxEventsPerRun: number;
	/** Runs until one found nothing (that last one included). */
	runs: number;
	/** Items of the largest run. */
	largestRun: number;
	recovered: number;
	allRecovered: boolean;
	wallMs: number;
	eventsPerSec: number;
	rssBaselineMB: number;
	rssPeakMB: number;
	peakRssGrowthMB: number;
	/** JS heap growth after a full GC at the end of a run, its items still held (the largest of the runs). */
	retainedHeapMB: number;
	/** All emitted items as JSON, over all runs. */
	outputJsonMB: number;
}

export async function runReconcileBench(count = 100_000, pageSize = 1000, maxEventsPerRun = DEFAULT_MAX_EVENTS_PER_RUN): Promise<ReconcileBench> {
	const child = fork(__filename, ['--serve', String(count)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: process.execArgv });
	const url = await new Promise<string>((resolve, reject) => {
		child.once('message', (m) => resolve((m as { url: string }).url));
		child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
	});
	try {
		const staticData: IDataObject = {};
		const harness = createExecuteContext({
			nodeType: new Pos(),
			parameters: { resource: 'event', operation: 'reconcile', lookBackHours: 24, settleDelaySeconds: 300, maxEventsPerRun, apiOptions: { pageSize } },
			credentials: { provider: 'standardWebhooks', signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', apiToken: TOKEN, baseUrl: url },
			workflowId: `bench-${Date.now()}`,
			staticData,
			httpTimeoutMs: 60_000,
		});
		(globalThis as { gc?: () => void }).gc?.();
		const baseline = process.memoryUsage().rss;
		const baseHeap = process.memoryUsage().heapUsed;
		let peak = baseline;
		const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
		// Successive runs, as a Schedule Trigger would start them, until one finds nothing: each emits
		// at most Max Events per Run. Between runs the items are let go (n8n does, once the execution
		// is saved); only their ids are kept, to check that every event came out exactly once.
		const ids = new Set<string>();
		let recovered = 0;
		let runs = 0;
		let largestRun = 0;
		let retained = 0;
		let outputBytes = 0;
		const t0 = performance.now();
		for (;;) {
			const [out] = await harness.run();
			runs++;
			if (out.length === 0) break;
			largestRun = Math.max(largestRun, out.length);
			recovered += out.length;
			for (const item of out) {
				ids.add(item.json.id as string);
				outputBytes += JSON.stringify(item.json).length;
			}
			// What stays alive once a run is over: its emitted items (held here, as n8n holds them).
			(globalThis as { gc?: () => void }).gc?.();
			retained = Math.max(retained, process.memoryUsage().heapUsed - baseHeap);
		}
		const wallMs = performance.now() - t0;
		clearInterval(sampler);
		peak = Math.max(peak, process.memoryUsage().rss);
		const mb = (b: number) => Math.round((b / 1_048_576) * 10) / 10;
		return {
			events: count,
			pageSize,
			maxEventsPerRun,
			runs,
			largestRun,
			recovered,
			allRecovered: ids.size === recovered && recovered === count,
			wallMs: Math.round(wallMs),
			eventsPerSec: Math.round(recovered / (wallMs / 1000)),
			rssBaselineMB: mb(baseline),
			rssPeakMB: mb(peak),
			peakRssGrowthMB: mb(peak - baseline),
			retainedHeapMB: mb(retained),
			outputJsonMB: mb(outputBytes),
		};
	} finally {
		child.disconnect();
	}
}

if (process.argv[2] === '--serve') {
	void serve(Number(process.argv[3]));
} else if (require.main === module) {
	runReconcileBench(Number(process.argv[2] ?? 100_000), Number(process.argv[3] ?? 1000), Number(process.argv[4] ?? DEFAULT_MAX_EVENTS_PER_RUN))
		.then((r) => console.log(JSON.stringify(r)))
		.catch((error) => {
			console.error(error);
			process.exit(1);
		});
}
