import type { LedgerStore } from './store';

/**
 * The shared ledger for queue mode (several n8n processes): where the nodes find it.
 *
 * This package ships no Redis client (zero runtime dependencies, so it stays installable on n8n
 * Cloud and passes n8n's verification). The companion package `n8n-nodes-pos-webhooks-redis`
 * brings `ioredis` and, when n8n loads it at start-up, calls registerSharedLedgerFactory() on this
 * very module (it requires `n8n-nodes-pos-webhooks/dist/nodes/shared/ledger/sharedStore.js`, which
 * Node resolves to the same file, so the same module instance, n8n loaded our nodes from). This
 * package never imports the companion: without it, sharedLedgerFactory() is undefined and the nodes
 * say so in the editor.
 */

/** What the "POS Ledger Redis" credential holds. */
export interface SharedLedgerConnection {
	host: string;
	port: number;
	user?: string;
	password?: string;
	tls: boolean;
	database: number;
	/** Every key starts with it; then the workflow id in braces (one Redis Cluster slot per workflow). */
	keyPrefix: string;
}

export interface SharedLedgerScope {
	workflowId: string;
	/** Dedupe window: every claimed key expires after it. */
	windowMs: number;
}

/** Settings the trigger writes at activation so the POS node (on a worker) can read them. */
export interface SharedLedgerSettings {
	dedupeWindowHours?: number;
	/** The trigger's Event Types, as typed ("*" for all): Reconcile follows them. */
	events?: string;
	/** The trigger's Fields to Remove, parsed: Reconcile removes the same fields. */
	removeFields?: string[];
	updatedAt?: string;
}

export interface SharedLedgerStore extends LedgerStore {
	saveSettings(settings: SharedLedgerSettings): Promise<void>;
	loadSettings(): Promise<SharedLedgerSettings>;
	/** Records replay keys without claiming an event (ignored deliveries whose type is unsigned). */
	recordKeys(keys: string[]): Promise<void>;
	/**
	 * Durable marks (shared/ledger/durable.ts: started, done, re-emitted), each recorded atomically
	 * for the dedupe window. Resolves with those already recorded.
	 */
	recordMarks(marks: string[], value?: string): Promise<Set<string>>;
	/** Of these marks, those recorded. */
	findMarks(marks: string[]): Promise<Set<string>>;
	removeMarks(marks: string[]): Promise<void>;
	/** The value each mark was recorded with (null where none). An older companion package lacks it. */
	markValues?(marks: string[]): Promise<Array<string | null>>;
}

export interface SharedLedgerFactory {
	/** Name and version of the package that registered it (shown in errors and logs). */
	readonly provider: string;
	/** The store of one workflow; connections are shared per connection settings. */
	open(connection: SharedLedgerConnection, scope: SharedLedgerScope): SharedLedgerStore;
	/** Connects and pings; rejects with a readable message when the server cannot be used. */
	check(connection: SharedLedgerConnection): Promise<void>;
}

let registered: SharedLedgerFactory | undefined;

/** Called by the companion package when n8n loads it. The last registration wins. */
export function registerSharedLedgerFactory(factory: SharedLedgerFactory): void {
	registered = factory;
}

export function sharedLedgerFactory(): SharedLedgerFactory | undefined {
	return registered;
}

export const COMPANION_PACKAGE = 'n8n-nodes-pos-webhooks-redis';

export const MISSING_COMPANION_MESSAGE =
	`Shared (Redis) ledger storage needs the package ${COMPANION_PACKAGE}, which is not installed in this n8n process`;

export const MISSING_COMPANION_HINT =
	`Install ${COMPANION_PACKAGE} beside n8n-nodes-pos-webhooks on every n8n process (main, webhook and worker), ` +
	'then restart them; or set Ledger Storage to This n8n Process.';

/** Reads the credential's data into a connection, with the defaults the credential shows. */
export function connectionFrom(data: Record<string, unknown>): SharedLedgerConnection {
	const port = Number(data.port ?? 6379);
	const database = Number(data.database ?? 0);
	return {
		host: String(data.host ?? '127.0.0.1') || '127.0.0.1',
		port: Number.isInteger(port) && port > 0 && port < 65536 ? port : 6379,
		user: data.user ? String(data.user) : undefined,
		password: data.password ? String(data.password) : undefined,
		tls: data.tls === true,
		database: Number.isInteger(database) && database >= 0 ? database : 0,
		keyPrefix: String(data.prefix ?? 'pos-ledger:'),
	};
}
