import type { ICredentialDataDecryptedObject, IDataObject, INodeExecutionData, INodeParameters, WorkflowExecuteMode } from 'n8n-workflow';

import { Pos } from '../../../nodes/Pos/Pos.node';
import { retryTiming } from '../../../nodes/Pos/transport';
import { ledgerFor } from '../../../nodes/shared/ledger/registry';
import type { Ledger, TriggerSettings } from '../../../nodes/shared/ledger/Ledger';
import { createExecuteContext, type ExecuteHarness, type ProcessedDataTable } from '../../helpers/executeContext';
import type { FixtureServer } from './fixtureServer';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** Fast retries for every test; the Retry-After test still waits what the server asks. */
export function fastRetries(): void {
	retryTiming.baseDelayMs = 5;
	retryTiming.maxDelayMs = 50;
	retryTiming.maxRetryAfterMs = 5_000;
}

let workflowCounter = 0;
/** A fresh workflow id, so each test has its own ledger in the process-wide registry. */
export function newWorkflowId(): string {
	return `wf-${process.pid}-${++workflowCounter}`;
}

export function credentialFor(
	server: FixtureServer,
	provider: string,
	extra: ICredentialDataDecryptedObject = {},
): ICredentialDataDecryptedObject {
	return {
		provider,
		signingSecret: provider === 'standardWebhooks' ? 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' : 'whsec_test_secret',
		previousSigningSecret: '',
		apiToken: server.token,
		baseUrl: server.baseUrl,
		...extra,
	};
}

export interface RunOptions {
	server: FixtureServer;
	provider: string;
	parameters: INodeParameters;
	workflowId: string;
	staticData?: IDataObject;
	mode?: WorkflowExecuteMode;
	credentials?: ICredentialDataDecryptedObject | null;
	inputItems?: INodeExecutionData[];
	itemParameters?: Array<INodeParameters | undefined>;
	continueOnFail?: boolean;
	/** n8n's processed-data table; shared between runs that share a database. */
	processedData?: ProcessedDataTable;
}

export function posHarness(o: RunOptions): ExecuteHarness {
	return createExecuteContext({
		nodeType: new Pos(),
		parameters: o.parameters,
		itemParameters: o.itemParameters,
		credentials: o.credentials === undefined ? credentialFor(o.server, o.provider) : o.credentials,
		workflowId: o.workflowId,
		staticData: o.staticData,
		mode: o.mode,
		inputItems: o.inputItems,
		continueOnFail: o.continueOnFail,
		processedData: o.processedData,
	});
}

/** Runs the node once and returns its first output's JSON items. */
export async function runPos(o: RunOptions): Promise<{ items: IDataObject[]; harness: ExecuteHarness; output: INodeExecutionData[] }> {
	const harness = posHarness(o);
	const [output] = await harness.run();
	return { items: output.map((i) => i.json), harness, output };
}

/** The same in-process ledger the node and the trigger use for this workflow. */
/**
 * The workflow's live ledger as the POS Webhook Trigger leaves it: opened with the trigger's
 * window and carrying the settings the trigger records with every delivery.
 */
export function sharedLedger(
	workflowId: string,
	staticData: IDataObject = {},
	windowHours = 72,
	trigger: Partial<TriggerSettings> = {},
): Ledger {
	const ledger = ledgerFor({ workflowId, isTest: false, windowMs: windowHours * HOUR }, staticData);
	ledger.recordTriggerSettings({ windowHours, events: '*', removeFields: [], maxEntries: ledger.maxEntries, dedupe: true, ...trigger });
	return ledger;
}

export async function expectRejection(promise: Promise<unknown>): Promise<Error & IDataObject> {
	try {
		await promise;
	} catch (error) {
		return error as Error & IDataObject;
	}
	throw new Error('expected the promise to reject');
}
