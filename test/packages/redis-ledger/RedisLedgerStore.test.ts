import Redis from 'ioredis';

import { RedisLedgerFactory } from '../../../packages/redis-ledger/lib/factory';
import { PENDING_TTL_MS, RedisLedgerStore, digestOf } from '../../../packages/redis-ledger/lib/RedisLedgerStore';
import { registerWithMainPackage } from '../../../packages/redis-ledger/lib/register';
import { digestOf as inProcessDigestOf } from '../../../nodes/shared/ledger/Ledger';
import * as sharedStore from '../../../nodes/shared/ledger/sharedStore';
import type { LedgerStore } from '../../../nodes/shared/ledger/store';
import { REDIS_HOST, REDIS_PORT, dropPrefix, ensureRedis, uniquePrefix } from '../../helpers/redis';

const HOUR = 3_600_000;
const connection = (keyPrefix: string): sharedStore.SharedLedgerConnection => ({
	host: REDIS_HOST,
	port: REDIS_PORT,
	tls: false,
	database: 0,
	keyPrefix,
});

describe('RedisLedgerStore (the shared ledger, on the machine\'s real Redis)', () => {
	let admin: Redis;
	let factory: RedisLedgerFactory;
	let otherProcess: RedisLedgerFactory; // a second client, as a second n8n process has
	let prefix: string;

	beforeAll(async () => {
		await ensureRedis();
		admin = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
	});
	beforeEach(() => {
		prefix = uniquePrefix('store');
		factory = new RedisLedgerFactory('test');
		otherProcess = new RedisLedgerFactory('test');
	});
	afterEach(async () => {
		await factory.closeAll();
		await otherProcess.closeAll();
		await dropPrefix(admin, prefix);
	});
	afterAll(async () => {
		await admin.quit();
	});

	const open = (f = factory, workflowId = 'wf1', windowMs = 72 * HOUR) => f.open(connection(prefix), { workflowId, windowMs });

	it('implements the LedgerStore and SharedLedgerFactory contracts of the main package', () => {
		const store: LedgerStore = open();
		const shared: sharedStore.SharedLedgerStore = open();
		const asFactory: sharedStore.SharedLedgerFactory = factory;
		expect(store).toBe(shared);
		expect(asFactory.provider).toBe('test');
		expect(digestOf('evt_1')).toBe(inProcessDigestOf('evt_1'));
	});

	it('claims an id once; a second claim from another process is a duplicate', async () => {
		expect(await open().claim(['evt_1'], Date.now())).toBe('new');
		expect(await open(otherProcess).claim(['evt_1'], Date.now())).toBe('duplicate');
		expect(await open(otherProcess).has('evt_1', Date.now())).toBe(true);
		expect(await open(otherProcess).has('evt_2', Date.now())).toBe(false);
	});

	it('claims the id and its replay keys together or not at all', async () => {
		const store = open();
		expect(await store.claim(['evt_a', 'signature:s1'], Date.now())).toBe('new');
		// A captured request replayed under a new id: the signature is known, the new id must stay free.
		expect(await store.claim(['evt_b', 'signature:s1'], Date.now())).toBe('duplicate');
		expect(await store.has('evt_b', Date.now())).toBe(false);
		expect(await store.claim(['evt_b', 'signature:s2'], Date.now())).toBe('new');
	});

	it('lets exactly one of 50 concurrent claims of one id through, across two processes', async () => {
		const a = open();
		const b = open(otherProcess);
		const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).claim(['storm'], Date.now())));
		expect(results.filter((r) => r === 'new')).toHaveLength(1);
		expect(results.filter((r) => r === 'duplicate')).toHaveLength(49);
	});

	it('keeps a pending claim for a minute at most, a confirmed one for the dedupe window', async () => {
		const store = open();
		const ttl = (key: string) => admin.pttl(`${prefix}{wf1}:k:${digestOf(key)}`);
		await store.claim(['evt_ttl', 'signature:x'], Date.now());
		for (const key of ['evt_ttl', 'signature:x']) {
			expect(await ttl(key)).toBeGreaterThan(0);
			expect(await ttl(key)).toBeLessThanOrEqual(PENDING_TTL_MS);
		}
		await store.confirm(['evt_ttl', 'signature:x'], Date.now());
		for (const key of ['evt_ttl', 'signature:x']) {
			expect(await ttl(key)).toBeGreaterThan(71 * HOUR);
			expect(await ttl(key)).toBeLessThanOrEqual(72 * HOUR);
		}
		// A window shorter than the pending expiry bounds it.
		const short = open(factory, 'wf-short', 5_000);
		await short.claim(['evt_short'], Date.now());
		expect(await admin.pttl(`${prefix}{wf-short}:k:${digestOf('evt_short')}`)).toBeLessThanOrEqual(5_000);
	});

	it('confirming the event id (all the execution knows) confirms its replay keys too', async () => {
		const store = open();
		await store.claim(['evt_rk', 'signature:rk'], Date.now());
		await store.confirm(['evt_rk'], Date.now());
		expect(await admin.pttl(`${prefix}{wf1}:k:${digestOf('signature:rk')}`)).toBeGreaterThan(71 * HOUR);
		expect(await admin.exists(`${prefix}{wf1}:r:${digestOf('evt_rk')}`)).toBe(0);
		await store.release(['evt_rk', 'signature:rk']); // too late: it started
		expect(await store.claim(['evt_other', 'signature:rk'], Date.now())).toBe('duplicate');
	});

	it('a pending claim whose process died expires, so the POS retry is accepted', async () => {
		const store = open();
		await store.claim(['evt_crash'], Date.now());
		// As if PENDING_TTL_MS had passed with no confirm and no release (the process was killed).
		await admin.pexpire(`${prefix}{wf1}:k:${digestOf('evt_crash')}`, 1);
		await new Promise((r) => setTimeout(r, 20));
		expect(await open(otherProcess).claim(['evt_crash'], Date.now())).toBe('new');
	});

	it('releases a pending claim (n8n could not start the execution) but never a confirmed one', async () => {
		const store = open();
		const now = Date.now();
		await store.claim(['evt_r', 'signature:r'], now);
		await store.claim(['evt_c'], now);
		expect(await store.pendingCount(now)).toBe(2);
		await store.confirm(['evt_c'], now);
		expect(await store.pendingCount(now)).toBe(1);
		await store.release(['evt_r', 'signature:r']);
		await store.release(['evt_c']);
		expect(await store.pendingCount(now)).toBe(0);
		expect(await store.claim(['evt_r', 'signature:r'], now)).toBe('new');
		expect(await store.claim(['evt_c'], now)).toBe('duplicate');
		// Confirming keeps the window's expiry.
		expect(await admin.pttl(`${prefix}{wf1}:k:${digestOf('evt_c')}`)).toBeGreaterThan(71 * HOUR);
	});

	it('records a confirmed id that was not claimed here (after a Forget, or another path)', async () => {
		const store = open();
		await store.confirm(['evt_elsewhere'], Date.now());
		expect(await store.claim(['evt_elsewhere'], Date.now())).toBe('duplicate');
		expect(await admin.pttl(`${prefix}{wf1}:k:${digestOf('evt_elsewhere')}`)).toBeGreaterThan(71 * HOUR);
		expect((await store.stats(Date.now())).entries).toBe(1);
	});

	it('stops counting a claim as pending after the pending timeout, but still rejects its duplicates', async () => {
		const store = open();
		const then = Date.now();
		await store.claim(['evt_old'], then);
		expect(await store.pendingCount(then + 6 * 60_000)).toBe(0);
		expect(await store.claim(['evt_old'], then + 6 * 60_000)).toBe('duplicate');
	});

	it('forgets one id so it can be processed again', async () => {
		const store = open();
		await store.claim(['evt_f'], Date.now());
		expect(await store.forget('evt_f')).toBe(true);
		expect(await store.forget('evt_f')).toBe(false);
		expect(await store.claim(['evt_f'], Date.now())).toBe('new');
	});

	it('keeps counters, stats, the reconcile checkpoint and the trigger settings in Redis, per workflow', async () => {
		const store = open();
		const now = Date.now();
		await store.claim(['e1'], now - 1000);
		await store.claim(['e2', 'signature:z'], now);
		store.count('accepted', 2);
		store.count('duplicate');
		await store.setReconcile({ checkpoint: '2026-01-01T00:00:00.000Z', lastRecovered: 3 });
		await store.saveSettings({ dedupeWindowHours: 72 });
		const worker = open(otherProcess);
		const stats = await worker.stats(now);
		expect(stats).toEqual({
			entries: 2,
			oldestEntryAt: new Date(now - 1000).toISOString(),
			windowHours: 72,
			maxEntries: 0,
			counts: { accepted: 2, duplicate: 1 },
			reconcile: { checkpoint: '2026-01-01T00:00:00.000Z', lastRecovered: 3 },
		});
		expect(await worker.getReconcile()).toEqual({ checkpoint: '2026-01-01T00:00:00.000Z', lastRecovered: 3 });
		expect(await worker.loadSettings()).toEqual({ dedupeWindowHours: 72 });
		// Another workflow, and another prefix, see nothing of it.
		expect(await open(otherProcess, 'wf2').has('e1', now)).toBe(false);
		expect((await open(otherProcess, 'wf2').stats(now)).entries).toBe(0);
		const otherPrefix = otherProcess.open(connection(`${prefix}other:`), { workflowId: 'wf1', windowMs: 72 * HOUR });
		expect(await otherPrefix.has('e1', now)).toBe(false);
	});

	it('records each durable mark once across processes, finds and removes them, and expires them with the window', async () => {
		const marks = Array.from({ length: 50 }, (_v, i) => `posWebhooks:done:evt_${i}`);
		// Two processes record the same marks at the same moment: each mark is "new" for exactly one.
		const [a, b] = await Promise.all([open().recordMarks(marks), open(otherProcess).recordMarks(marks)]);
		for (const mark of marks) expect(Number(a.has(mark)) + Number(b.has(mark))).toBe(1);
		expect(await open().findMarks([marks[0], 'posWebhooks:done:unknown'])).toEqual(new Set([marks[0]]));
		await open(otherProcess).removeMarks([marks[0]]);
		expect(await open().findMarks([marks[0]])).toEqual(new Set());
		const ttl = await admin.pttl(`${prefix}{wf1}:m:${digestOf(marks[1])}`);
		expect(ttl).toBeGreaterThan(71 * HOUR);
		expect(ttl).toBeLessThanOrEqual(72 * HOUR);
		// Another workflow's marks are its own.
		expect(await open(factory, 'wf2').findMarks(marks)).toEqual(new Set());
	});

	it('drops ids older than the window from the stats', async () => {
		const store = open(factory, 'wf1', 10_000);
		const now = Date.now();
		await store.claim(['old'], now - 20_000);
		await store.claim(['new'], now);
		expect((await store.stats(now)).entries).toBe(1);
	});

	it('fails fast (so the webhook can answer 503) when Redis is unreachable', async () => {
		const down = { ...connection(prefix), port: 1 };
		await expect(factory.check(down)).rejects.toThrow(/^Cannot use Redis at 127\.0\.0\.1:1 \(database 0\): /);
		const store = factory.open(down, { workflowId: 'wf1', windowMs: HOUR });
		await expect(store.claim(['evt'], Date.now())).rejects.toThrow();
	});

	it('check() passes against a reachable Redis', async () => {
		await expect(factory.check(connection(prefix))).resolves.toBeUndefined();
	});

	it('registers itself with the main package through the module the main package loads', () => {
		const requested: string[] = [];
		const outcome = registerWithMainPackage((id) => {
			requested.push(id);
			return sharedStore;
		});
		expect(outcome).toEqual({ registered: true });
		expect(requested).toEqual(['n8n-nodes-pos-webhooks/dist/nodes/shared/ledger/sharedStore.js']);
		expect(sharedStore.sharedLedgerFactory()?.provider).toBe('n8n-nodes-pos-webhooks-redis');
		expect(
			registerWithMainPackage(() => {
				throw new Error('Cannot find module');
			}),
		).toEqual({ registered: false, reason: 'n8n-nodes-pos-webhooks not found beside this package: Cannot find module' });
	});
});
