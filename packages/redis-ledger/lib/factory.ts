import Redis, { type RedisOptions } from 'ioredis';

import { RedisLedgerStore } from './RedisLedgerStore';
import type { SharedLedgerConnection, SharedLedgerScope } from './types';

/**
 * Every Redis command of a request must finish or fail within this: the webhook answers 503 (the
 * POS retries) instead of hanging while Redis is unreachable. ioredis queues commands while it
 * reconnects; commandTimeout bounds that wait.
 */
export const COMMAND_TIMEOUT_MS = 2_000;

export function redisOptions(connection: SharedLedgerConnection): RedisOptions {
	return {
		host: connection.host,
		port: connection.port,
		username: connection.user || undefined,
		password: connection.password || undefined,
		db: connection.database,
		tls: connection.tls ? { servername: connection.host } : undefined,
		connectTimeout: COMMAND_TIMEOUT_MS,
		commandTimeout: COMMAND_TIMEOUT_MS,
		maxRetriesPerRequest: 1,
		enableAutoPipelining: true,
		// Keep reconnecting (a restarted Redis comes back), at most every 2 s.
		retryStrategy: (times) => Math.min(times * 200, 2_000),
		connectionName: 'n8n-nodes-pos-webhooks',
		disconnectTimeout: 500,
	};
}

/** The shared ledger's Redis cannot be reached or used (the message says which server and why). */
export class RedisUnavailableError extends Error {
	name = 'RedisUnavailableError';
}

function connectionKey(c: SharedLedgerConnection): string {
	return JSON.stringify([c.host, c.port, c.user ?? '', c.password ?? '', c.tls, c.database]);
}

/** One client per Redis server (and credentials) per process, shared by every workflow. */
export class RedisLedgerFactory {
	readonly provider: string;
	private readonly clients = new Map<string, Redis>();
	private readonly stores = new Map<string, RedisLedgerStore>();

	constructor(provider: string, private readonly onError: (message: string) => void = () => undefined) {
		this.provider = provider;
	}

	open(connection: SharedLedgerConnection, scope: SharedLedgerScope): RedisLedgerStore {
		const ck = connectionKey(connection);
		const storeKey = JSON.stringify([ck, connection.keyPrefix, scope.workflowId, scope.windowMs]);
		let store = this.stores.get(storeKey);
		if (!store) {
			let client = this.clients.get(ck);
			if (!client) {
				client = new Redis(redisOptions(connection));
				// Without a listener ioredis prints every reconnect error; one line per error is enough.
				let last = '';
				client.on('error', (error: Error) => {
					if (error.message !== last) this.onError(`POS ledger Redis ${connection.host}:${connection.port}: ${error.message}`);
					last = error.message;
				});
				client.on('ready', () => (last = ''));
				this.clients.set(ck, client);
			}
			store = new RedisLedgerStore(client, connection.keyPrefix, scope, (e) => this.reportCounterError(e));
			this.stores.set(storeKey, store);
		}
		return store;
	}

	private lastCounterErrorAt = 0;

	/** While Redis is down every request's counter fails: one log line per 30 s is enough. */
	private reportCounterError(error: Error): void {
		const now = Date.now();
		if (now - this.lastCounterErrorAt < 30_000) return;
		this.lastCounterErrorAt = now;
		this.onError(`POS ledger counters not saved (further errors muted for 30 s): ${error.message}`);
	}

	/** A fresh connection and a PING, for activation and the credential test. */
	async check(connection: SharedLedgerConnection): Promise<void> {
		const client = new Redis({ ...redisOptions(connection), lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
		client.on('error', () => undefined); // reported through the rejected promise below
		try {
			await client.connect();
			const pong = await client.ping();
			if (pong !== 'PONG') throw new Error(`unexpected answer to PING: ${pong}`);
		} catch (error) {
			throw new RedisUnavailableError(`Cannot use Redis at ${connection.host}:${connection.port} (database ${connection.database}): ${(error as Error).message}`);
		} finally {
			client.disconnect();
		}
	}

	/** For tests and shutdown: closes every client. */
	async closeAll(): Promise<void> {
		for (const c of this.clients.values()) c.disconnect();
		this.clients.clear();
		this.stores.clear();
	}
}
