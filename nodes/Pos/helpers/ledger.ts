import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { Ledger } from '../../shared/ledger/Ledger';
import { ledgerFor, persistLedger } from '../../shared/ledger/registry';

export const DEFAULT_DEDUPE_WINDOW_HOURS = 72;

export interface OpenLedger {
	ledger: Ledger;
	/** Marks the ledger for saving with this execution's static data (not for manual runs). */
	persist(): void;
	windowMs: number;
}

/**
 * The workflow's ledger, the same in-process object the POS Webhook Trigger uses. Manual runs
 * ("Execute step", "Test workflow") get the test ledger, as the trigger's test URL does, except
 * for the Ledger operations, which exist to inspect and fix the live one.
 */
export function openLedger(ctx: IExecuteFunctions, itemIndex: number, options: { live?: boolean } = {}): OpenLedger {
	const hours = Number(ctx.getNodeParameter('dedupeWindowHours', itemIndex, DEFAULT_DEDUPE_WINDOW_HOURS));
	if (!Number.isFinite(hours) || hours <= 0) {
		throw new NodeOperationError(ctx.getNode(), 'Remember Event IDs For must be more than 0 hours', {
			description: 'Use the same value as in the POS Webhook Trigger of this workflow (72 by default).',
			itemIndex,
		});
	}
	// Ledger > Get Stats and Forget are run by hand from the editor to look at or fix the real
	// ledger, so they always open the live one (options.live).
	const isTest = options.live ? false : ctx.getMode() === 'manual';
	const staticData = ctx.getWorkflowStaticData('global');
	const windowMs = hours * 3_600_000;
	const ledger = ledgerFor({ workflowId: String(ctx.getWorkflow().id ?? 'unsaved'), isTest, windowMs }, staticData);
	return { ledger, windowMs, persist: () => persistLedger(ledger, staticData, isTest) };
}
