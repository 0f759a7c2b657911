/**
 * The shapes this package exchanges with n8n-nodes-pos-webhooks (nodes/shared/ledger/store.ts,
 * Ledger.ts and sharedStore.ts there). Repeated here rather than imported so the companion
 * compiles on its own; test/packages/redis-ledger checks that both sides still agree.
 */
export interface ReconcileState {
	checkpoint?: string;
	lastCompletedAt?: string;
	lastRecovered?: number;
}

export interface LedgerStats {
	entries: number;
	oldestEntryAt?: string;
	windowHours: number;
	maxEntries: number;
	counts: Record<string, number>;
	reconcile: ReconcileState;
}

export interface SharedLedgerConnection {
	host: string;
	port: number;
	user?: string;
	password?: string;
	tls: boolean;
	database: number;
	keyPrefix: string;
}

export interface SharedLedgerScope {
	workflowId: string;
	windowMs: number;
}

export interface SharedLedgerSettings {
	dedupeWindowHours?: number;
	/** The trigger's Event Types, as typed ("*" for all): Reconcile follows them. */
	events?: string;
	/** The trigger's Fields to Remove, parsed: Reconcile removes the same fields. */
	removeFields?: string[];
	updatedAt?: string;
}
