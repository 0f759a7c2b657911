import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type IHookFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { parseFieldList } from '../shared/event';
import { DEFAULT_MAX_ENTRIES } from '../shared/ledger/Ledger';
import { storeFor, STATIC_DATA_KEY } from '../shared/ledger/registry';
import type { InProcessLedgerStore } from '../shared/ledger/store';
import type { InboundRequest, PosCredentialData } from '../shared/providers/types';
import { CredentialConfigError, SigningConfigCache, buildSigningConfig } from '../shared/signingConfig';
import { posApiCredentialTest } from '../Pos/methods/credentialTest';
import { EVENT_TYPES_SUBTITLE, readEventTypes, triggerProperties } from './description';
import { processDelivery, type DeliverySettings } from './processDelivery';
import { reportRefusal } from './refusals';
import { recordSettingsOnActivation } from './triggerSettings';
import { recordStarted } from '../shared/ledger/durable';

/** Default of the Max Events Waiting to Start option (back-pressure). */
export const DEFAULT_MAX_PENDING = 100;
/** Seconds the POS is asked to wait when too many events wait to start. */
const RETRY_AFTER_SECONDS = 10;

/** Decoded credentials, shared by every request in this process (see SigningConfigCache). */
const signingConfigs = new SigningConfigCache();

export class PosWebhookTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'POS Webhook Trigger',
		name: 'posWebhookTrigger',
		icon: { light: 'file:pos.svg', dark: 'file:pos.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: EVENT_TYPES_SUBTITLE,
		description: 'Starts the workflow once per verified POS event: orders, payments, menus, shifts',
		defaults: { name: 'POS Webhook Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		// n8n's CredentialsTester takes the first node listing the credential with a testedBy and
		// calls that node's methods.credentialTest: both nodes hold it, so package.json order is moot.
		credentials: [{ name: 'posApi', required: true, testedBy: 'posApiCredentialTest' }],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				// An accepted event is answered by n8n itself, with our webhookResponse, and only once
				// WorkflowRunner.run() returned, i.e. once the execution is registered (n8n
				// webhook-helpers.js executeWebhook, shouldDeferOnReceivedResponse). responseData ''
				// makes n8n send webhookResponse (webhook-on-received-response-extractor.js); without
				// it n8n sends the text "firstEntryJson". Every other answer we write ourselves.
				responseMode: 'onReceived',
				responseData: '',
				path: 'pos',
			},
		],
		properties: triggerProperties,
	};

	methods = {
		credentialTest: { posApiCredentialTest },
	};

	webhookMethods = {
		default: {
			/** Nothing is registered through an API (every provider is set up by hand), so there is nothing to find. */
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return false;
			},
			/**
			 * Called on activation. Registers nothing, but refuses to activate with a credential that
			 * could never verify a request, so the mistake shows in the editor, not as lost orders.
			 */
			async create(this: IHookFunctions): Promise<boolean> {
				const data = (await this.getCredentials('posApi')) as unknown as PosCredentialData;
				try {
					buildSigningConfig(data, Date.now());
				} catch (error) {
					throw new NodeOperationError(this.getNode(), error as Error, {
						description: error instanceof CredentialConfigError ? 'Open the POS API credential and fix it' : undefined,
					});
				}
				signingConfigs.invalidate(this.getNode().credentials?.posApi?.id ?? undefined);
				// Hardening hook (issues 12/14, owned by triggerSettings.ts): the POS node follows these from now on.
				recordSettingsOnActivation(this);
				const url = this.getNodeWebhookUrl('default') ?? '';
				if (url.startsWith('http://') && !isLoopback(url)) {
					this.logger.warn(
						`POS Webhook Trigger: the Production URL ${url} is not HTTPS, so orders travel unencrypted; give n8n an https address (its WEBHOOK_URL setting)`,
					);
				}
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};

	/**
	 * n8n runs this as the first node of every execution the webhook started (workflow-execute.js
	 * runNode calls execute() before it would pass webhook items through), after the execution
	 * is registered and before any downstream node: the point where "started" is recorded.
	 */
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [await recordExecutionStart.call(this)];
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		try {
			return await handleRequest.call(this);
		} catch (error) {
			// Our own failure (credential store, unexpected bug): 503 makes the POS retry later,
			// where a 500 from n8n would also record a failed execution. Nothing secret is echoed.
			const message = error instanceof CredentialConfigError ? error.message : (error as Error)?.message;
			this.logger.error(`POS Webhook Trigger could not process a request: ${String(message)}`);
			return reply(this, 503, {
				status: 'error',
				reason: error instanceof CredentialConfigError ? 'not_configured' : 'temporarily_unavailable',
				message: 'The receiver cannot process this request right now; retry later',
			});
		}
	}
}

async function handleRequest(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const nowMs = Date.now();
	const req = this.getRequestObject();
	const options = this.getNodeParameter('options', {}) as IDataObject;
	const dedupe = this.getNodeParameter('dedupe', true) as boolean;
	const settings: DeliverySettings = {
		events: readEventTypes((name, fallback) => this.getNodeParameter(name, fallback)),
		// An expression can make these anything: an invalid value falls back to the safe default
		// (a NaN tolerance would otherwise switch the freshness check off).
		toleranceSeconds: validNumber(this.getNodeParameter('toleranceSeconds', 300), 300, 0),
		dedupe,
		dedupeWindowHours: dedupe ? validNumber(this.getNodeParameter('dedupeWindowHours', 72), 72, 1 / 60) : 72,
		includeHeaders: options.includeHeaders === true,
		removeFields: parseFieldList(options.removeFields as string | undefined),
	};
	const notificationUrlParameter = String(this.getNodeParameter('notificationUrl', '') || '');
	const webhookUrl = this.getNodeWebhookUrl('default') ?? '';
	const request: InboundRequest = {
		headers: req.headers,
		rawBody: Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.alloc(0),
		notificationUrl: webhookUrl,
	};

	const credentialId = this.getNode().credentials?.posApi?.id ?? undefined;
	const load = async () => (await this.getCredentials('posApi')) as unknown as PosCredentialData;
	let config = await signingConfigs.get(credentialId, load, nowMs);
	request.notificationUrl = squareNotificationUrl(notificationUrlParameter, config.credential, webhookUrl);

	const isTest = this.getMode() === 'manual';
	const store = openStore(this, settings, options, isTest);
	let result = processDelivery(request, config, settings, store.ledger, nowMs);
	if (result.kind === 'rejected' && (result.reason === 'invalid_signature' || result.reason === 'missing_signature')) {
		// The secret (or the provider) may have changed since we cached it: check once more with a fresh copy.
		const fresh = await signingConfigs.refreshAfterFailure(credentialId, config, load, nowMs);
		if (fresh) {
			config = fresh;
			request.notificationUrl = squareNotificationUrl(notificationUrlParameter, config.credential, webhookUrl);
			store.count(`rejected.${result.reason}`, -1);
			result = processDelivery(request, config, settings, store.ledger, nowMs);
		}
	}

	switch (result.kind) {
		case 'accepted': {
			const { item, claimKeys } = result;
			if (claimKeys.length > 0) {
				const waiting = store.pendingCountSync(nowMs);
				// processDelivery claimed the keys in the ledger; in the same tick (nothing can
				// interleave) they become pending instead, unless another request holds them pending.
				if (store.adoptAsPending(claimKeys, nowMs) === 'duplicate') {
					store.count('accepted', -1);
					store.count('duplicate');
					return { webhookResponse: { status: 'duplicate', id: item.id } };
				}
				const maxPending = validNumber(options.maxPendingEvents ?? DEFAULT_MAX_PENDING, DEFAULT_MAX_PENDING, 1);
				if (waiting >= maxPending) {
					// n8n is not keeping up: answering 200 now would only grow a backlog that a crash
					// loses. A 503 with Retry-After makes the POS send the event again later.
					await store.release(claimKeys);
					store.count('accepted', -1);
					store.count('deferred');
					return reply(this, 503, { status: 'busy', reason: 'overloaded', message: 'Too many events waiting; retry later' }, RETRY_AFTER_SECONDS);
				}
				settleOnAnswer(this, store, claimKeys);
			}
			// No reply here: n8n answers with this webhookResponse after it registered the
			// execution (see the webhook description), so a 200 always means "registered".
			return {
				workflowData: [this.helpers.returnJsonArray([item])],
				webhookResponse: { status: 'accepted', id: item.id },
			};
		}
		case 'duplicate':
			return { webhookResponse: { status: 'duplicate', id: result.id } };
		case 'ignored':
			return { webhookResponse: { status: 'ignored', id: result.id, type: result.type } };
		case 'rejected':
			reply(this, result.status, { status: 'rejected', reason: result.reason, message: result.message });
			return reportRefusal(this, result, { provider: config.provider, notificationUrl: request.notificationUrl });
		case 'failed':
			this.logger.error(`POS Webhook Trigger failed on a request: ${result.message}`);
			return reply(this, 503, { status: 'error', reason: 'temporarily_unavailable', message: 'Retry later' });
	}
}

/** The workflow's ledger store, with the trigger's own window and bound. */
function openStore(
	ctx: IWebhookFunctions | IExecuteFunctions,
	settings: Pick<DeliverySettings, 'dedupeWindowHours'>,
	options: IDataObject,
	isTest: boolean,
): InProcessLedgerStore {
	return storeFor(
		{
			workflowId: String(ctx.getWorkflow().id ?? 'unsaved'),
			isTest,
			windowMs: settings.dedupeWindowHours * 3_600_000,
			maxEntries: validNumber(options.maxLedgerEntries ?? DEFAULT_MAX_ENTRIES, DEFAULT_MAX_ENTRIES, 1),
		},
		ctx.getWorkflowStaticData('global'),
	);
}

/**
 * n8n's answer settles the pending claim: 2xx means the execution is registered (n8n sends it
 * only after WorkflowRunner.run() returned), so the id goes into the ledger, even when a queue-mode
 * worker runs the execution elsewhere. Anything else, or the POS hanging up first, releases it so
 * that the POS retry is accepted. (execute() confirms too, for ids this process never claimed.)
 */
function settleOnAnswer(ctx: IWebhookFunctions, store: InProcessLedgerStore, keys: string[]): void {
	let res: ReturnType<IWebhookFunctions['getResponseObject']>;
	try {
		res = ctx.getResponseObject();
	} catch {
		return;
	}
	if (typeof res?.once !== 'function') return;
	let finished = false;
	res.once('finish', () => {
		finished = true;
		if (res.statusCode >= 200 && res.statusCode < 300) store.confirmSync(keys, Date.now());
		else void store.release(keys);
	});
	res.once('close', () => {
		if (!finished) void store.release(keys);
	});
}

/**
 * The trigger's step inside the execution: for each event, record durably that its execution
 * started, drop it if that was already recorded (a retry the restarted ledger did not know, or
 * an event reconciliation already emitted), confirm the pending claim and mark the in-process
 * ledger for saving with this execution's static data. Manual runs record nothing.
 */
async function recordExecutionStart(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const dedupe = this.getNodeParameter('dedupe', 0, true) as boolean;
	if (!dedupe || this.getMode() === 'manual' || items.length === 0) return items;
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const dedupeWindowHours = validNumber(this.getNodeParameter('dedupeWindowHours', 0, 72), 72, 1 / 60);
	const store = openStore(this, { dedupeWindowHours }, options, false);
	const nowMs = Date.now();

	const ids = items.map((item) => (typeof item.json.id === 'string' ? item.json.id : undefined));
	let started: Set<string>;
	try {
		started = await recordStarted(
			this,
			ids.filter((id): id is string => id !== undefined),
		);
	} catch (error) {
		// Nothing downstream ran: this execution shows as failed in n8n and can be retried from there.
		throw new NodeOperationError(this.getNode(), error as Error, {
			description: 'Could not record the event in n8n\'s database; no step after the trigger ran. Retry this execution.',
		});
	}
	const kept: INodeExecutionData[] = [];
	for (const [index, item] of items.entries()) {
		const id = ids[index];
		if (id === undefined) {
			kept.push(item);
			continue;
		}
		// Into the ledger (also after a restart, when this id was never pending here).
		store.confirmSync([id], nowMs);
		if (started.has(id)) {
			store.count('duplicate.started');
			continue;
		}
		kept.push(item);
	}
	// Saved by n8n when this execution ends (execution-lifecycle-hooks.js saveStaticData): the
	// live ledger, with every claim of this process up to that moment.
	this.getWorkflowStaticData('global')[STATIC_DATA_KEY] = store.toJSON() as unknown as IDataObject;
	return kept;
}

function isLoopback(url: string): boolean {
	try {
		const host = new URL(url).hostname;
		return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
	} catch {
		return false;
	}
}

function validNumber(value: unknown, fallback: number, min: number): number {
	const n = Number(value);
	return Number.isFinite(n) && n >= min ? n : fallback;
}

/**
 * Writes a refusal (4xx, 503) ourselves and tells n8n not to answer. Whether n8n starts an
 * execution depends only on whether the caller also returns workflowData.
 */
function reply(ctx: IWebhookFunctions, status: number, body: IDataObject, retryAfterSeconds?: number): IWebhookResponseData {
	try {
		const res = ctx.getResponseObject();
		if (!res.headersSent) {
			if (retryAfterSeconds !== undefined && typeof res.setHeader === 'function') res.setHeader('Retry-After', String(retryAfterSeconds));
			res.status(status).json(body);
		}
	} catch {
		// The connection is gone; there is no one left to answer.
	}
	return { noWebhookResponse: true };
}

/**
 * The URL Square signs: the trigger's old parameter (saved workflows) first, then the one kept in
 * the credential with the signature key, else the URL n8n gives this webhook.
 */
function squareNotificationUrl(parameter: string, credential: PosCredentialData, webhookUrl: string): string {
	const fromCredential = (credential as PosCredentialData & { notificationUrl?: unknown }).notificationUrl;
	return parameter || (typeof fromCredential === 'string' ? fromCredential.trim() : '') || webhookUrl;
}
