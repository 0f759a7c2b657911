const HOUR_MS = 3_600_000;

export interface ReconcileWindowInput {
	nowMs: number;
	/** ISO time the previous complete reconciliation reached, if any. */
	checkpoint?: string;
	lookBackHours: number;
	settleDelaySeconds: number;
	/** How long the ledger remembers ids: older events cannot be told apart from processed ones. */
	dedupeWindowMs: number;
	/** How long the POS API keeps events, when it has a limit. */
	historyMs?: number;
}

export interface ReconcileWindow {
	startMs: number;
	endMs: number;
	/** Whether the window started at the checkpoint (else at now minus Look Back). */
	fromCheckpoint: boolean;
	/** Set when the wanted start was older than the API keeps or the ledger remembers: where it would have started. */
	clampedFromMs?: number;
	/** True when there is nothing to pull yet (the checkpoint is already at or past now minus Settle Delay). */
	empty: boolean;
	/**
	 * Set when a checkpoint was saved but cannot be true (in the future, e.g. after a clock that was
	 * ahead, or not a date): it is not trusted, and the window starts at now minus Look Back as on
	 * a first run, so the events missed meanwhile are still recovered. The value says why.
	 */
	untrustedCheckpoint?: string;
}

/**
 * From the checkpoint (or now minus Look Back) to now minus Settle Delay. The start is never older
 * than the API keeps events, nor than the ledger remembers ids: past the dedupe window the ledger
 * can no longer tell a missed event from one already processed, and the trigger refuses such
 * old events as replays for the same reason.
 */
export function reconcileWindow(input: ReconcileWindowInput): ReconcileWindow {
	const endMs = input.nowMs - input.settleDelaySeconds * 1000;
	let checkpointMs = input.checkpoint ? Date.parse(input.checkpoint) : Number.NaN;
	let untrustedCheckpoint: string | undefined;
	if (input.checkpoint !== undefined && input.checkpoint !== '' && !Number.isFinite(checkpointMs)) {
		untrustedCheckpoint = `the saved checkpoint ${JSON.stringify(String(input.checkpoint).slice(0, 40))} is not a date`;
	} else if (checkpointMs > input.nowMs) {
		untrustedCheckpoint = `the saved checkpoint ${new Date(checkpointMs).toISOString()} is in the future`;
		checkpointMs = Number.NaN;
	}
	const fromCheckpoint = Number.isFinite(checkpointMs);
	const wantedStart = fromCheckpoint ? checkpointMs : input.nowMs - input.lookBackHours * HOUR_MS;
	let earliest = input.nowMs - input.dedupeWindowMs;
	if (input.historyMs !== undefined) earliest = Math.max(earliest, input.nowMs - input.historyMs);
	const startMs = Math.max(wantedStart, earliest);
	return {
		startMs,
		endMs,
		fromCheckpoint,
		clampedFromMs: startMs > wantedStart ? wantedStart : undefined,
		empty: startMs >= endMs,
		untrustedCheckpoint,
	};
}

/** For Get Many: Since and Until as typed (empty: the last 24 hours). */
export function parseWindowBound(value: unknown, fallbackMs: number): number {
	if (value === undefined || value === null || value === '') return fallbackMs;
	if (typeof value === 'number') return value;
	if (value instanceof Date) return value.getTime();
	return Date.parse(String(value));
}
