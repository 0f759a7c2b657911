import type { IDataObject, IHookFunctions } from 'n8n-workflow';

import { parseFieldList } from '../shared/event';
import { DEFAULT_MAX_ENTRIES } from '../shared/ledger/Ledger';
import { ledgerFor, persistLedger } from '../shared/ledger/registry';
import { readEventTypes } from './description';
import { recordTriggerSettings, type DeliverySettings } from './processDelivery';

type ParameterReader = (name: string, fallback: unknown) => unknown;

function validNumber(value: unknown, fallback: number, min: number): number {
	const n = Number(value);
	return Number.isFinite(n) && n >= min ? n : fallback;
}

/**
 * The trigger's parameters as one request uses them. An expression can make a number anything:
 * an invalid value falls back to the safe default (a NaN tolerance would switch the check off).
 */
export function readTriggerParameters(get: ParameterReader): { settings: DeliverySettings; maxEntries: number } {
	const options = (get('options', {}) ?? {}) as IDataObject;
	const dedupe = get('dedupe', true) !== false;
	return {
		settings: {
			events: readEventTypes(get),
			toleranceSeconds: validNumber(get('toleranceSeconds', 300), 300, 0),
			dedupe,
			dedupeWindowHours: dedupe ? validNumber(get('dedupeWindowHours', 72), 72, 1 / 60) : 72,
			includeHeaders: options.includeHeaders === true,
			removeFields: parseFieldList(options.removeFields as string | undefined),
		},
		maxEntries: validNumber(options.maxLedgerEntries ?? DEFAULT_MAX_ENTRIES, DEFAULT_MAX_ENTRIES, 1),
	};
}

/**
 * On activation (n8n calls the webhook's create() on every activation, startup included, and
 * saves static data right after: active-workflow-manager.js, addWebhooks), record the settings
 * the POS node follows, so Reconcile strips and filters like the trigger before its first
 * delivery. Also where a damaged saved ledger is first read, so the damage is logged there. Never
 * blocks activation: a failure is logged.
 */
export function recordSettingsOnActivation(ctx: IHookFunctions): void {
	try {
		const { settings, maxEntries } = readTriggerParameters((name, fallback) => ctx.getNodeParameter(name, fallback));
		const isTest = ctx.getMode() === 'manual';
		const staticData = ctx.getWorkflowStaticData('global');
		const ledger = ledgerFor(
			{ workflowId: String(ctx.getWorkflow().id ?? 'unsaved'), isTest, windowMs: settings.dedupeWindowHours * 3_600_000, maxEntries },
			staticData,
		);
		// A saved ledger read only in part (or not at all) is said once, at activation, where it was read.
		const damage = ledger.takeDamageNotice();
		if (damage) (ledger.damage?.unusable ? ctx.logger.error : ctx.logger.warn).call(ctx.logger, `POS Webhook Trigger: ${damage}`);
		if (ledger.damage?.unusable) return;
		recordTriggerSettings(ledger, settings);
		persistLedger(ledger, staticData, isTest);
	} catch (error) {
		ctx.logger.warn(`POS Webhook Trigger could not record its settings for the POS node: ${(error as Error)?.message}`);
	}
}
