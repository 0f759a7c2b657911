/**
 * npm run bench: one table, written as JSON to bench/results/latest.json as well.
 *   1. the trigger's own work per 1 KB event vs a bare createHmac + JSON.parse (ratios)
 *   2. one real n8n, same client and body, 8 concurrent: n8n's Webhook node (no auth, Header
 *      Auth) vs our trigger (accepted with 0 and 50,000 ids, duplicate storm, forged storm)
 *   3. reconciliation of 100,000 events from the POS simulator: time, events/s, peak RSS growth
 *   4. the shared ledger (queue mode): one Redis claim against an in-process claim, Redis memory per id
 * Everything is a ratio against a baseline measured in the same run: these machines are noisy.
 *   npm run bench -- [--quick]
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

import { runN8nThroughput } from './n8n-throughput';
import { runReconcileBench } from './reconcile';
import { runRedisClaimBench } from './redis-claim';
import { runTriggerCost } from './trigger-cost';

const quick = process.argv.includes('--quick');
const ok = (met: boolean) => (met ? 'met' : 'NOT met');

async function main() {
	const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
	console.error('[bench] 1/4 trigger cost');
	const cost = runTriggerCost();
	console.error('[bench] 2/4 real n8n throughput (a few minutes)');
	const tp = await runN8nThroughput({ durationMs: quick ? 5_000 : 10_000, rounds: quick ? 1 : 3 });
	console.error('[bench] 3/4 reconciliation of 100,000 events');
	const rec = await runReconcileBench(quick ? 20_000 : 100_000, 1000);
	console.error('[bench] 4/4 shared ledger: one Redis claim');
	const redis = await runRedisClaimBench(quick ? 5_000 : 20_000);

	const byName = (prefix: string) => tp.cases.find((c) => c.name.startsWith(prefix));
	const a = byName('(a)')!;
	const b = byName('(b)')!;
	const cEmpty = tp.cases.find((c) => c.name.includes('empty ledger'))!;
	const cFull = tp.cases.find((c) => c.name.includes('50,000'))!;
	const d = byName('(d)')!;
	const e = byName('(e)')!;
	const f = byName('(f)');
	const r = (x: number, y: number) => Math.round((x / y) * 100) / 100;

	const lines: string[] = [];
	lines.push(`machine: ${machine}; n8n 2.41.0 on SQLite; ${tp.concurrency} concurrent clients; 1 KB body; ${tp.rounds} round(s) of ${tp.durationMs / 1000} s per case, median`);
	lines.push('');
	lines.push('| measure | value | ratio | target |');
	lines.push('|---|---|---|---|');
	lines.push(`| bare createHmac + JSON.parse, per event | ${cost.baselineNsPerEvent} ns | 1.00x | baseline |`);
	lines.push(`| trigger's own work, empty ledger | ${cost.emptyLedgerNsPerEvent} ns | ${cost.ratioEmpty}x | <= 2x: ${ok(cost.ratioEmpty <= 2)} |`);
	lines.push(`| trigger's own work, 50,000-id ledger | ${cost.ledger50kNsPerEvent} ns | ${cost.ratio50k}x | <= 2x: ${ok(cost.ratio50k <= 2)} |`);
	lines.push(`| n8n serialising the saved 50,000-id ledger (per accepted event) | ${cost.n8nSerialiseUs50k} us (${Math.round(cost.savedLedgerBytes50k / 1024)} KB) | | reported |`);
	// Rates are sustained rates: requests over load time plus the time n8n then needed to finish
	// the executions they started (replies alone would flatter whoever answers first).
	for (const c of tp.cases) {
		let ratio = '';
		let target = '';
		if (c === b) ratio = `${r(b.sustainedRps, a.sustainedRps)}x (a)`;
		if (c === f) ratio = `${r(c.sustainedRps, cFull.sustainedRps)}x (c, 50,000 ids)`;
		if (c === cEmpty || c === cFull) {
			ratio = `${r(c.sustainedRps, b.sustainedRps)}x (b), ${r(c.sustainedRps, a.sustainedRps)}x (a)`;
			target = c === cFull ? `>= 1.0x (b): ${ok(c.sustainedRps >= b.sustainedRps)}` : '';
		}
		if (c === d || c === e) {
			ratio = `${r(c.sustainedRps, cFull.sustainedRps)}x accepted`;
			const noExec = c === d ? (c.replies.duplicate ?? 0) === c.requests : (c.statuses['401'] ?? 0) === c.requests;
			target = `>= 1.5x accepted: ${ok(c.sustainedRps >= 1.5 * cFull.sustainedRps)}; every reply ${c === d ? 'duplicate' : '401'}: ${ok(noExec)}`;
		}
		lines.push(`| ${c.name} | ${c.sustainedRps} req/s sustained (replies ${c.rps}/s, then ${(c.drainMs / 1000).toFixed(1)} s to finish executions), p50 ${c.p50Ms} ms, p99 ${c.p99Ms} ms | ${ratio} | ${target} |`);
	}
	lines.push(`| reconcile ${rec.events.toLocaleString('en')} events (pages of ${rec.pageSize}) | ${(rec.wallMs / 1000).toFixed(2)} s, ${rec.eventsPerSec} events/s, peak RSS +${rec.peakRssGrowthMB} MB (the ${rec.recovered.toLocaleString('en')} items emitted are ${rec.outputJsonMB} MB as JSON) | | >= 5,000 events/s: ${ok(rec.eventsPerSec >= 5000)}; <= 150 MB: ${ok(rec.peakRssGrowthMB <= 150)} |`);
	lines.push(`| shared ledger (Redis), one claim, one at a time | ${redis.redisSequentialUsPerClaim} us (in-process: ${(redis.inProcessNsPerClaim / 1000).toFixed(1)} us) | | reported |`);
	lines.push(`| shared ledger (Redis), claims of one process, 8 concurrent | ${redis.redisConcurrentClaimsPerSec} claims/s | | reported |`);
	lines.push(`| shared ledger (Redis), claim + confirm per event; memory per remembered id | ${redis.redisClaimConfirmUsPerEvent} us; ${redis.redisBytesPerId} bytes | | reported |`);
	const table = lines.join('\n');
	console.log(table);
	const out = { at: new Date().toISOString(), machine, triggerCost: cost, n8n: tp, reconcile: rec, sharedLedger: redis, table };
	mkdirSync(join(__dirname, 'results'), { recursive: true });
	writeFileSync(join(__dirname, 'results', 'latest.json'), JSON.stringify(out, null, 1));
	console.error(`[bench] written to bench/results/latest.json`);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
