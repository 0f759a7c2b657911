/**
 * Scale check for Event > Reconcile, with a second pass where every event is already known. Not in
 * `npm run bench`'s table (bench/reconcile.ts is); it lived in test/ but asserts nothing, it measures:
 *
 *   npx tsx bench/reconcile-known.ts [events=100000] [pageSize=1000]
 *
 * A child process serves a generic events API on 127.0.0.1 with N events; this process runs the
 * POS node (through the test execute context, real HTTP) to reconcile all of them, then runs it
 * again over the same window with every id already known (checkpoint cleared). It samples process.memoryUsage().rss every 10 ms and prints a
 * JSON summary as the last line.
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject } from 'n8n-workflow';

// '.js' (resolved to the .ts source): the bare name would load the codex file Pos.node.json under tsx.
import { Pos } from '../nodes/Pos/Pos.node.js';
import { ledgerFor } from '../nodes/shared/ledger/registry';
import { createExecuteContext } from '../test/helpers/executeContext';

const TOKEN = 'scale-token';

async function serve(count: number): Promise<void> {
	const now = Date.now();
	const from = now - 20 * 3_600_000;
	const to = now - 10 * 60_000;
	const step = (to - from) / count;
	const times: number[] = [];
	const records: string[] = [];
	for (let i = 0; i < count; i++) {
		const at = Math.floor(from + i * step);
		times.push(at);
		const id = `msg_${i.toString(36).padStart(8, '0')}`;
		records.push(
			JSON.stringify({
				id,
				type: i % 4 === 0 ? 'payment.succeeded' : 'order.created',
				occurred_at: new Date(at).toISOString(),
				payload: {
					type: i % 4 === 0 ? 'payment.succeeded' : 'order.created',
					timestamp: new Date(at).toISOString(),
					data: { order_id: `o_${i}`, location_id: `store-${i % 12}`, total: 1000 + (i % 5000), currency: 'EUR', items: [{ sku: 'pizza', qty: 1 + (i % 3) }] },
				},
			}),
		);
	}
	const lowerBound = (t: number) => {
		let lo = 0;
		let hi = times.length;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (times[mid] < t) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	};
	const server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		if (req.headers.authorization !== `Bearer ${TOKEN}`) {
			res.writeHead(401).end();
			return;
		}
		if (url.pathname !== '/events') {
			res.writeHead(404).end();
			return;
		}
		const since = lowerBound(Date.parse(url.searchParams.get('since') ?? '1970-01-01T00:00:00Z'));
		const until = lowerBound(Date.parse(url.searchParams.get('until') ?? '2100-01-01T00:00:00Z'));
		const limit = Math.min(1000, Number(url.searchParams.get('limit') ?? 100));
		const offset = Number((url.searchParams.get('cursor') ?? 'c_0').slice(2));
		const start = since + offset;
		const end = Math.min(until, start + limit);
		const next = end < until ? `"c_${offset + limit}"` : 'null';
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(`{"events":[${records.slice(start, end).join(',')}],"next_cursor":${next}}`);
	});
	server.listen(0, '127.0.0.1', () => {
		process.send?.({ port: (server.address() as AddressInfo).port });
	});
	process.on('disconnect', () => server.close(() => process.exit(0)));
}

async function main(): Promise<void> {
	const count = Number(process.argv[2] ?? 100_000);
	const pageSize = Number(process.argv[3] ?? 1000);
	const child = fork(__filename, ['--serve', String(count)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
	const port = await new Promise<number>((resolve, reject) => {
		child.once('message', (m) => resolve((m as { port: number }).port));
		child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
	});

	const staticData: IDataObject = {};
	const workflowId = 'wf-scale';
	const run = async () => {
		const harness = createExecuteContext({
			nodeType: new Pos(),
			parameters: { resource: 'event', operation: 'reconcile', apiOptions: { pageSize } },
			credentials: { provider: 'standardWebhooks', signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', apiToken: TOKEN, baseUrl: `http://127.0.0.1:${port}` },
			workflowId,
			staticData,
			httpTimeoutMs: 60_000,
		});
		const [out] = await harness.run();
		return { out, requests: harness.requests.length };
	};

	const gc = (globalThis as { gc?: () => void }).gc;
	gc?.();
	const baseline = process.memoryUsage().rss;
	let peak = baseline;
	const sampler = setInterval(() => {
		const rss = process.memoryUsage().rss;
		if (rss > peak) peak = rss;
	}, 10);

	const t0 = performance.now();
	const first = await run();
	const t1 = performance.now();
	const peakFirst = Math.max(peak, process.memoryUsage().rss);
	const ids = new Set(first.out.map((i) => i.json.id as string));
	// Second run: forget the checkpoint so the whole window is pulled again; every id is known.
	const ledger = ledgerFor({ workflowId, isTest: false, windowMs: 72 * 3_600_000 }, staticData);
	ledger.setReconcile({});
	const secondStart = performance.now();
	const second = await run();
	const t2 = performance.now();
	clearInterval(sampler);
	const persistedBytes = JSON.stringify(staticData).length;
	child.disconnect();

	const mb = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;
	const summary = {
		events: count,
		pageSize,
		requests: first.requests,
		recovered: first.out.length,
		unique: ids.size,
		allRecovered: first.out.length === count && ids.size === count,
		wallMs: Math.round(t1 - t0),
		eventsPerSec: Math.round(count / ((t1 - t0) / 1000)),
		secondRunRecovered: second.out.length,
		secondRunRequests: second.requests,
		secondRunMs: Math.round(t2 - secondStart),
		ledgerEntries: ledger.size,
		persistedLedgerKB: Math.round(persistedBytes / 1024),
		rssBaselineMB: mb(baseline),
		rssPeakMB: mb(peakFirst),
		peakRssGrowthMB: mb(peakFirst - baseline),
		gcExposed: gc !== undefined,
	};
	console.log(JSON.stringify(summary));
	if (!summary.allRecovered || summary.secondRunRecovered !== 0) process.exitCode = 1;
}

if (process.argv[2] === '--serve') {
	void serve(Number(process.argv[3]));
} else {
	main().catch((error) => {
		console.error(error);
		process.exit(1);
	});
}
