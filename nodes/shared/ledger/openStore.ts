import type { IDataObject } from 'n8n-workflow';

import { storeFor, type LedgerScope } from './registry';
import {
	MISSING_COMPANION_HINT,
	MISSING_COMPANION_MESSAGE,
	connectionFrom,
	sharedLedgerFactory,
	type SharedLedgerConnection,
	type SharedLedgerStore,
} from './sharedStore';
import type { InProcessLedgerStore } from './store';

/** The nodes' "Ledger Storage" parameter. */
export type LedgerStorage = 'process' | 'redis';

export const LEDGER_STORAGE_PARAMETER = 'ledgerStorage';
export const LEDGER_CREDENTIAL = 'posLedgerRedisApi';

/** The shared ledger cannot be used: the companion package is missing (a setup mistake). */
export class SharedLedgerUnavailableError extends Error {
	constructor(
		message: string,
		readonly hint: string,
	) {
		super(message);
		this.name = 'SharedLedgerUnavailableError';
	}
}

export type OpenedStore =
	| { kind: 'process'; store: InProcessLedgerStore }
	| { kind: 'shared'; store: SharedLedgerStore; connection: SharedLedgerConnection };

export function storageOf(value: unknown): LedgerStorage {
	return value === 'redis' ? 'redis' : 'process';
}

/**
 * Decrypting a credential costs n8n an expression isolate per call (n8n-internals.md), so the
 * connection settings are kept per credential id for a minute, as the signing keys are.
 */
const connections = new Map<string, { connection: SharedLedgerConnection; loadedAt: number }>();
const CONNECTION_TTL_MS = 60_000;

export interface OpenLedgerStoreArgs {
	storage: LedgerStorage;
	scope: LedgerScope;
	staticData: IDataObject;
	/** Id of the POS Ledger Redis credential (cache key); undefined disables the cache. */
	credentialId?: string;
	loadCredential: () => Promise<Record<string, unknown>>;
	nowMs: number;
}

/**
 * The workflow's ledger store: the in-process one (default, and always for manual runs, which
 * keep their own test ledger), or the shared Redis one registered by the companion package.
 * Throws SharedLedgerUnavailableError when the shared one is chosen but not installed; Redis
 * errors come later, from the store's operations.
 */
export async function openLedgerStore(args: OpenLedgerStoreArgs): Promise<OpenedStore> {
	const { storage, scope, staticData } = args;
	if (storage !== 'redis' || scope.isTest) return { kind: 'process', store: storeFor(scope, staticData) };
	const factory = sharedLedgerFactory();
	if (!factory) throw new SharedLedgerUnavailableError(MISSING_COMPANION_MESSAGE, MISSING_COMPANION_HINT);
	const connection = await cachedConnection(args);
	return { kind: 'shared', store: factory.open(connection, { workflowId: scope.workflowId, windowMs: scope.windowMs }), connection };
}

async function cachedConnection(args: OpenLedgerStoreArgs): Promise<SharedLedgerConnection> {
	const cached = args.credentialId === undefined ? undefined : connections.get(args.credentialId);
	if (cached && args.nowMs - cached.loadedAt < CONNECTION_TTL_MS) return cached.connection;
	const connection = connectionFrom(await args.loadCredential());
	if (args.credentialId !== undefined) connections.set(args.credentialId, { connection, loadedAt: args.nowMs });
	return connection;
}

/** After the credential was edited (activation), the next request reads it afresh. */
export function forgetLedgerConnection(credentialId: string | undefined): void {
	if (credentialId !== undefined) connections.delete(credentialId);
}
