import { execFileSync } from 'node:child_process';

import Redis from 'ioredis';

/** The machine's Redis (CI and developer machines run one on 127.0.0.1:6379). */
export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;

async function pings(): Promise<boolean> {
	const client = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
	client.on('error', () => undefined);
	try {
		await client.connect();
		return (await client.ping()) === 'PONG';
	} catch {
		return false;
	} finally {
		client.disconnect();
	}
}

/** Starts the machine's Redis if it is stopped (the command the machine itself uses), then waits for PONG. */
export async function ensureRedis(): Promise<void> {
	if (await pings()) return;
	execFileSync('redis-server', [
		'--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', String(REDIS_PORT),
		'--save', '', '--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log',
	]);
	for (let i = 0; i < 50; i++) {
		if (await pings()) return;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`Redis did not start on ${REDIS_HOST}:${REDIS_PORT}`);
}

/** A key prefix no other test run uses. */
export function uniquePrefix(label: string): string {
	return `pos-test:${label}:${process.pid}:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 8)}:`;
}

/** Deletes every key under a prefix (SCAN, not KEYS, so a big Redis is not blocked). */
export async function dropPrefix(client: Redis, prefix: string): Promise<number> {
	let cursor = '0';
	let deleted = 0;
	do {
		const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
		cursor = next;
		if (keys.length > 0) deleted += await client.del(...keys);
	} while (cursor !== '0');
	return deleted;
}
