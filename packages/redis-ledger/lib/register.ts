import { RedisLedgerFactory } from './factory';

/** The module of n8n-nodes-pos-webhooks that holds the shared ledger factory (sharedStore.ts there). */
export const MAIN_REGISTRY_MODULE = 'n8n-nodes-pos-webhooks/dist/nodes/shared/ledger/sharedStore.js';

export const factory = new RedisLedgerFactory(
	'n8n-nodes-pos-webhooks-redis',
	(message) => console.error(message),
);

export type RegisterOutcome = { registered: true } | { registered: false; reason: string };

/**
 * Hands the Redis factory to n8n-nodes-pos-webhooks. n8n installs community packages side by side
 * in one node_modules, and loads their nodes with Node's require: requiring the main package's
 * module by name here resolves to the same file, so the same module instance its nodes use.
 */
export function registerWithMainPackage(load: (id: string) => unknown = require): RegisterOutcome {
	try {
		const registry = load(MAIN_REGISTRY_MODULE) as { registerSharedLedgerFactory?: (f: RedisLedgerFactory) => void };
		if (typeof registry.registerSharedLedgerFactory !== 'function') {
			return { registered: false, reason: 'n8n-nodes-pos-webhooks is too old for a shared ledger (no registerSharedLedgerFactory)' };
		}
		registry.registerSharedLedgerFactory(factory);
		return { registered: true };
	} catch (error) {
		return { registered: false, reason: `n8n-nodes-pos-webhooks not found beside this package: ${(error as Error).message}` };
	}
}
