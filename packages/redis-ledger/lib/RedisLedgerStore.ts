import * as crypto from 'node:crypto';

import type { Redis } from 'ioredis';

import type { LedgerStats, ReconcileState, SharedLedgerScope, SharedLedgerSettings } from './types';

/** Same as the in-process ledger's: claimed pending claims stop counting as pending after this. */
export const PENDING_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * A pending claim's keys expire after this unless confirmed (the execution's first node ran) or
 * released. The in-process ledger loses pending claims when its process dies, so the POS retry
 * is accepted; in Redis they would outlive the process and turn every retry into "duplicate"
 * for an event that never ran. Short enough that a POS retry after a crash is accepted (or
 * Reconcile re-emits it); an execution that merely waits longer than this in the queue is still
 * protected by the durable "started" record its first node checks.
 */
export const PENDING_TTL_MS = 60 * 1000;

/**
 * Claims the event id and its replay keys together, or none of them: one Lua script runs
 * atomically on the Redis server, so two webhook processes claiming one id at the same moment
 * get one 'new' and one 'duplicate'. Keys are written pending ('p') with a short expiry
 * (PENDING_TTL_MS); confirm() gives them the dedupe window.
 * Both zsets are trimmed on the way (ids older than the window, pending claims older than the
 * pending timeout), so they stay bounded whoever calls stats() or pendingCount(), or nobody.
 * KEYS: the keys to claim..., pending zset, entries zset.
 * ARGV: now, window ms, member, entries trim-before, pending trim-before, pending ttl ms,
 * replay-list key (the event's replay keys, so that confirm() by event id confirms them too).
 */
const CLAIM = `
local n = #KEYS - 2
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end
end
for i = 1, n do
  redis.call('SET', KEYS[i], 'p', 'PX', ARGV[6])
end
if n > 1 then
  redis.call('SET', ARGV[7], table.concat(KEYS, '\\n', 2, n), 'PX', ARGV[6])
end
redis.call('ZREMRANGEBYSCORE', KEYS[n + 1], '-inf', ARGV[5])
redis.call('ZADD', KEYS[n + 1], ARGV[1], ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[n + 2], '-inf', ARGV[4])
redis.call('ZADD', KEYS[n + 2], ARGV[1], ARGV[3])
return 1`;

/**
 * Frees the keys only while the claim is still pending: a confirmed claim started an execution.
 * KEYS: the keys..., pending zset, entries zset. ARGV: member, replay-list key.
 */
const RELEASE = `
local n = #KEYS - 2
if redis.call('GET', KEYS[1]) ~= 'p' then return 0 end
for i = 1, n do
  if redis.call('GET', KEYS[i]) == 'p' then redis.call('DEL', KEYS[i]) end
end
redis.call('ZREM', KEYS[n + 1], ARGV[1])
redis.call('ZREM', KEYS[n + 2], ARGV[1])
redis.call('DEL', ARGV[2])
return 1`;

/**
 * Marks the keys confirmed, remembered for the dedupe window from now; a key that is not there
 * (its pending expiry passed, or a Forget, or another path) is recorded too, as the in-process
 * ledger does. The event's replay keys recorded at claim time are confirmed with it (the
 * execution's first node knows only the event id). Those keys live in the workflow's hash slot.
 * KEYS: the keys..., pending zset, entries zset. ARGV: member, window ms, now, replay-list key.
 */
const CONFIRM = `
local n = #KEYS - 2
for i = 1, n do
  if i == 1 and redis.call('EXISTS', KEYS[i]) == 0 then redis.call('ZADD', KEYS[n + 2], ARGV[3], ARGV[1]) end
  redis.call('SET', KEYS[i], 'c', 'PX', ARGV[2])
end
local replay = redis.call('GET', ARGV[4])
if replay then
  for key in string.gmatch(replay, '[^\\n]+') do redis.call('SET', key, 'c', 'PX', ARGV[2]) end
  redis.call('DEL', ARGV[4])
end
redis.call('ZREM', KEYS[n + 1], ARGV[1])
return 1`;

type LedgerRedis = Redis & {
	posLedgerClaim(...args: Array<string | number>): Promise<number>;
	posLedgerRelease(...args: Array<string | number>): Promise<number>;
	posLedgerConfirm(...args: Array<string | number>): Promise<number>;
};

/** Registers the scripts once per client (ioredis sends EVALSHA, and the script on NOSCRIPT). */
export function withLedgerScripts(client: Redis): LedgerRedis {
	const c = client as LedgerRedis;
	if (typeof c.posLedgerClaim !== 'function') {
		client.defineCommand('posLedgerClaim', { lua: CLAIM });
		client.defineCommand('posLedgerRelease', { lua: RELEASE });
		client.defineCommand('posLedgerConfirm', { lua: CONFIRM });
	}
	return c;
}

/** 9 bytes of SHA-256 as 12 base64 characters: the in-process ledger's digest, so both agree. */
export function digestOf(key: string): string {
	return crypto.createHash('sha256').update(key, 'utf8').digest('base64').slice(0, 12);
}

/**
 * A workflow's ledger in Redis, shared by every n8n process (mains, webhook processes, workers).
 *
 * Keys, all under `<prefix>{<workflowId>}:` (the braces keep a workflow's keys in one Redis
 * Cluster slot, which a multi-key script needs):
 * - `k:<digest>`  one per claimed id or replay key: 'p' pending (expires after PENDING_TTL_MS),
 *                 'c' confirmed (expires after the dedupe window)
 * - `r:<digest>`  while an event's claim is pending: its replay keys (confirmed with the event id)
 * - `pending`     zset digest -> claim time (back-pressure; entries older than PENDING_TIMEOUT_MS are dropped)
 * - `entries`     zset digest -> claim time of event ids (stats; trimmed to the window on every claim)
 * - `counts`      hash outcome -> count
 * - `reconcile`   JSON of the reconciliation checkpoint
 * - `settings`    JSON of the trigger's settings (window, event types, fields to remove), for the POS node on a worker
 * - `m:<digest>`  a durable mark ("started", "done", "re-emitted", see recordMarks), expires after the window
 */
export class RedisLedgerStore {
	private readonly base: string;

	constructor(
		private readonly client: Redis,
		keyPrefix: string,
		readonly scope: SharedLedgerScope,
		/** Errors of fire-and-forget writes (counters) go here; nothing else is swallowed. */
		private readonly onBackgroundError: (error: Error) => void = () => undefined,
	) {
		this.base = `${keyPrefix}{${scope.workflowId}}:`;
		withLedgerScripts(client);
	}

	private get redis(): LedgerRedis {
		return this.client as LedgerRedis;
	}

	private key(key: string): string {
		return `${this.base}k:${digestOf(key)}`;
	}

	/** The replay keys claimed with an event id, while its claim is pending. */
	private replayListKey(eventId: string): string {
		return `${this.base}r:${digestOf(eventId)}`;
	}

	private get pendingKey(): string {
		return `${this.base}pending`;
	}

	private get entriesKey(): string {
		return `${this.base}entries`;
	}

	async claim(keys: string[], nowMs: number): Promise<'new' | 'duplicate'> {
		if (keys.length === 0) return 'duplicate';
		const window = Math.max(1, Math.round(this.scope.windowMs));
		const result = await this.redis.posLedgerClaim(
			keys.length + 2,
			...keys.map((k) => this.key(k)),
			this.pendingKey,
			this.entriesKey,
			nowMs,
			window,
			digestOf(keys[0]),
			nowMs - window,
			nowMs - PENDING_TIMEOUT_MS,
			Math.min(window, PENDING_TTL_MS),
			this.replayListKey(keys[0]),
		);
		return result === 1 ? 'new' : 'duplicate';
	}

	/**
	 * Records keys as confirmed for the dedupe window without claiming an event (an ignored
	 * delivery whose type is unsigned: its replay key, so the same signed bytes re-sent with a
	 * wanted type are a duplicate). A key already there keeps its state.
	 */
	async recordKeys(keys: string[]): Promise<void> {
		if (keys.length === 0) return;
		const window = Math.max(1, Math.round(this.scope.windowMs));
		const pipeline = this.client.pipeline();
		for (const key of keys) pipeline.set(this.key(key), 'c', 'PX', window, 'NX');
		const results = await pipeline.exec();
		for (const [error] of results ?? []) if (error) throw error;
	}

	/**
	 * Records marks (the package's "execution started", "flow done", "re-emission k" records,
	 * "registered at <value>"), each with SET NX, for the dedupe window. Resolves with the marks that were already there.
	 * Each SET is atomic on the server, so two workers recording one mark at once get one "new":
	 * the in-process alternative, n8n's processed-data row, is read then rewritten whole and
	 * would lose one of two concurrent records across processes.
	 */
	async recordMarks(marks: string[], value = '1'): Promise<Set<string>> {
		if (marks.length === 0) return new Set();
		const window = Math.max(1, Math.round(this.scope.windowMs));
		const pipeline = this.client.pipeline();
		for (const mark of marks) pipeline.set(this.markKey(mark), value, 'PX', window, 'NX');
		const results = (await pipeline.exec()) ?? [];
		const already = new Set<string>();
		for (const [i, [error, reply]] of results.entries()) {
			if (error) throw error;
			if (reply !== 'OK') already.add(marks[i]);
		}
		return already;
	}

	/** Of these marks, those recorded. */
	async findMarks(marks: string[]): Promise<Set<string>> {
		if (marks.length === 0) return new Set();
		const values = await this.client.mget(...marks.map((m) => this.markKey(m)));
		return new Set(marks.filter((_m, i) => values[i] !== null));
	}

	/** The value each mark was recorded with (null where none). */
	async markValues(marks: string[]): Promise<Array<string | null>> {
		if (marks.length === 0) return [];
		return await this.client.mget(...marks.map((m) => this.markKey(m)));
	}

	async removeMarks(marks: string[]): Promise<void> {
		if (marks.length > 0) await this.client.del(...marks.map((m) => this.markKey(m)));
	}

	private markKey(mark: string): string {
		return `${this.base}m:${digestOf(mark)}`;
	}

	async release(keys: string[]): Promise<void> {
		if (keys.length === 0) return;
		await this.redis.posLedgerRelease(
			keys.length + 2,
			...keys.map((k) => this.key(k)),
			this.pendingKey,
			this.entriesKey,
			digestOf(keys[0]),
			this.replayListKey(keys[0]),
		);
	}

	async confirm(keys: string[], nowMs: number): Promise<void> {
		if (keys.length === 0) return;
		const window = Math.max(1, Math.round(this.scope.windowMs));
		await this.redis.posLedgerConfirm(
			keys.length + 2,
			...keys.map((k) => this.key(k)),
			this.pendingKey,
			this.entriesKey,
			digestOf(keys[0]),
			window,
			nowMs,
			this.replayListKey(keys[0]),
		);
	}

	// No MULTI below: ioredis sends MULTI outside its auto-pipeline, so it could overtake counters
	// written just before (count() is not awaited). Plain commands keep their order.
	async pendingCount(nowMs: number): Promise<number> {
		const [, count] = await Promise.all([
			this.client.zremrangebyscore(this.pendingKey, '-inf', nowMs - PENDING_TIMEOUT_MS),
			this.client.zcard(this.pendingKey),
		]);
		return count;
	}

	async forget(eventId: string): Promise<boolean> {
		const member = digestOf(eventId);
		const [deleted] = await Promise.all([
			this.client.del(this.key(eventId), this.replayListKey(eventId)),
			this.client.zrem(this.pendingKey, member),
			this.client.zrem(this.entriesKey, member),
		]);
		return deleted > 0;
	}

	async has(key: string, _nowMs: number): Promise<boolean> {
		return (await this.client.exists(this.key(key))) === 1;
	}

	/** Counters are statistics: written in the background (ioredis pipelines them), never awaited. */
	count(outcome: string, by = 1): void {
		this.client.hincrby(`${this.base}counts`, outcome, by).catch((error: Error) => this.onBackgroundError(error));
	}

	async stats(nowMs: number): Promise<LedgerStats> {
		const window = Math.round(this.scope.windowMs);
		const [, entries, oldest, rawCounts, reconcile] = await Promise.all([
			this.client.zremrangebyscore(this.entriesKey, '-inf', nowMs - window),
			this.client.zcard(this.entriesKey),
			this.client.zrange(this.entriesKey, 0, 0, 'WITHSCORES'),
			this.client.hgetall(`${this.base}counts`),
			this.client.get(`${this.base}reconcile`),
		]);
		const counts: Record<string, number> = {};
		for (const [k, v] of Object.entries(rawCounts)) counts[k] = Number(v);
		return {
			entries,
			oldestEntryAt: oldest.length === 2 ? new Date(Number(oldest[1])).toISOString() : undefined,
			windowHours: this.scope.windowMs / 3_600_000,
			// Redis holds every id of the window: the bound is the window, not a count (0: none).
			maxEntries: 0,
			counts,
			reconcile: parseObject(reconcile) as ReconcileState,
		};
	}

	async getReconcile(): Promise<ReconcileState> {
		return parseObject(await this.client.get(`${this.base}reconcile`)) as ReconcileState;
	}

	async setReconcile(state: ReconcileState): Promise<void> {
		await this.client.set(`${this.base}reconcile`, JSON.stringify(state));
	}

	async saveSettings(settings: SharedLedgerSettings): Promise<void> {
		await this.client.set(`${this.base}settings`, JSON.stringify(settings));
	}

	async loadSettings(): Promise<SharedLedgerSettings> {
		return parseObject(await this.client.get(`${this.base}settings`)) as SharedLedgerSettings;
	}
}

function parseObject(text: unknown): Record<string, unknown> {
	if (typeof text !== 'string') return {};
	try {
		const value = JSON.parse(text) as unknown;
		return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
	} catch {
		return {};
	}
}
