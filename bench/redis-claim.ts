/**
 * The cost of one claim in the shared ledger (Ledger Storage "Shared (Redis)", queue mode)
 * against the in-process ledger's, on the machine's Redis: what a webhook request adds.
 *   - in-process claim (synchronous, no I/O)
 *   - Redis claim, one at a time (one round trip to the Lua script: the latency a request sees)
 *   - Redis claims, 8 concurrent (ioredis pipelines them: the throughput of one process)
 *   - Redis claim + confirm (the webhook's claim plus the worker's confirm, per event)
 *   - Redis memory per remembered (confirmed) id
 *   - every Redis write of one accepted event, one after the other as they happen: the webhook's
 *     claim; on n8n's 2xx the confirm and the "registered" mark; in the execution's first step the
 *     "started" mark, the confirm again and the registered mark's removal; and the Redis memory
 *     that leaves per event
 * Run alone: node --import tsx bench/redis-claim.ts [count]
 */
import Redis from 'ioredis';

import { clearAwaitingStart, recordAwaitingStart, recordStarted } from '../nodes/shared/ledger/durable';
import { DEFAULT_MAX_ENTRIES, Ledger } from '../nodes/shared/ledger/Ledger';
import { InProcessLedgerStore } from '../nodes/shared/ledger/store';
import { RedisLedgerFactory } from '../packages/redis-ledger/lib/factory';
import { dropPrefix, ensureRedis, REDIS_HOST, REDIS_PORT, uniquePrefix } from '../test/helpers/redis';

export interface RedisClaimBench {
	count: number;
	inProcessNsPerClaim: number;
	redisSequentialUsPerClaim: number;
	redisConcurrentClaimsPerSec: number;
	redisClaimConfirmUsPerEvent: number;
	redisBytesPerId: number;
	/** Every Redis write of one accepted event (claim; confirm + registered; started + confirm), in us. */
	redisEventPathUsPerEvent: number;
	/** Redis memory one accepted event leaves (its key and its registered and started marks). */
	redisBytesPerEvent: number;
}

const HOUR = 3_600_000;

async function usedMemory(client: Redis): Promise<number> {
	const info = await client.info('memory');
	return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

export async function runRedisClaimBench(count = 10_000): Promise<RedisClaimBench> {
	await ensureRedis();
	const admin = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
	const factory = new RedisLedgerFactory('bench');
	const prefix = uniquePrefix('bench');
	const connection = { host: REDIS_HOST, port: REDIS_PORT, tls: false, database: 0, keyPrefix: prefix };
	try {
		const inProcess = new InProcessLedgerStore(new Ledger(72 * HOUR, DEFAULT_MAX_ENTRIES));
		let t = process.hrtime.bigint();
		for (let i = 0; i < count; i++) inProcess.claimSync([`evt_local_${i}`], Date.now());
		const inProcessNsPerClaim = Number(process.hrtime.bigint() - t) / count;

		const store = factory.open(connection, { workflowId: 'bench-seq', windowMs: 72 * HOUR });
		await store.claim(['warm-up'], Date.now());
		t = process.hrtime.bigint();
		for (let i = 0; i < count; i++) await store.claim([`evt_seq_${i}`], Date.now());
		const redisSequentialUsPerClaim = Number(process.hrtime.bigint() - t) / count / 1000;

		const concurrent = factory.open(connection, { workflowId: 'bench-conc', windowMs: 72 * HOUR });
		let next = 0;
		t = process.hrtime.bigint();
		await Promise.all(
			Array.from({ length: 8 }, async () => {
				while (next < count) await concurrent.claim([`evt_conc_${next++}`], Date.now());
			}),
		);
		const redisConcurrentClaimsPerSec = Math.round(count / (Number(process.hrtime.bigint() - t) / 1e9));

		const both = factory.open(connection, { workflowId: 'bench-confirm', windowMs: 72 * HOUR });
		const before = await usedMemory(admin);
		t = process.hrtime.bigint();
		for (let i = 0; i < count; i++) {
			const id = `evt_confirm_${i}`;
			await both.claim([id], Date.now());
			await both.confirm([id], Date.now());
		}
		const redisClaimConfirmUsPerEvent = Number(process.hrtime.bigint() - t) / count / 1000;
		const redisBytesPerId = Math.round(((await usedMemory(admin)) - before) / count);

		const path = factory.open(connection, { workflowId: 'bench-path', windowMs: 72 * HOUR });
		const beforePath = await usedMemory(admin);
		t = process.hrtime.bigint();
		for (let i = 0; i < count; i++) {
			const id = `evt_path_${i}`;
			await path.claim([id], Date.now()); // the webhook request
			await Promise.all([path.confirm([id], Date.now()), recordAwaitingStart(id, Date.now(), path)]); // n8n's 2xx
			await recordStarted(undefined as never, [id], path); // the execution's first step (marks only: no n8n context used)
			await Promise.all([path.confirm([id], Date.now()), clearAwaitingStart(id, path)]);
		}
		const redisEventPathUsPerEvent = Number(process.hrtime.bigint() - t) / count / 1000;
		const redisBytesPerEvent = Math.round(((await usedMemory(admin)) - beforePath) / count);

		return {
			count,
			inProcessNsPerClaim: Math.round(inProcessNsPerClaim),
			redisSequentialUsPerClaim: Math.round(redisSequentialUsPerClaim),
			redisConcurrentClaimsPerSec,
			redisClaimConfirmUsPerEvent: Math.round(redisClaimConfirmUsPerEvent),
			redisBytesPerId,
			redisEventPathUsPerEvent: Math.round(redisEventPathUsPerEvent),
			redisBytesPerEvent,
		};
	} finally {
		await factory.closeAll();
		await dropPrefix(admin, prefix);
		admin.disconnect();
	}
}

if (require.main === module) {
	runRedisClaimBench(Number(process.argv[2] ?? 10_000)).then((r) => console.log(JSON.stringify(r, null, 1)));
}
