import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { parseFieldList } from '../shared/event';
import { DEFAULT_MAX_ENTRIES } from '../shared/ledger/Ledger';
import { ledgerFor, persistLedger } from '../shared/ledger/registry';
import type { InboundRequest, PosCredentialData } from '../shared/providers/types';
import { CredentialConfigError, SigningConfigCache, buildSigningConfig } from '../shared/signingConfig';
import { triggerProperties } from './description';
import { processDelivery, type DeliverySettings } from './processDelivery';
import { reportRefusal } from './refusals';
import { recordSettingsOnActivation } from './triggerSettings';

/** Decoded credentials, shared by every request in this process (see SigningConfigCache). */
const signingConfigs = new SigningConfigCache();

export class PosWebhookTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'POS Webhook Trigger',
		name: 'posWebhookTrigger',
		icon: { light: 'file:pos.svg', dark: 'file:pos.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ $parameter["events"] === "*" ? "All Events" : "Events: " + $parameter["events"] }}',
		description: 'Starts the workflow once per verified POS event: orders, payments, menus, shifts',
		defaults: { name: 'POS Webhook Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		// n8n's CredentialsTester takes the first node listing the credential with a testedBy; the
		// POS node (listed first in package.json) holds the function (nodes/Pos/methods/credentialTest.ts).
		credentials: [{ name: 'posApi', required: true, testedBy: 'posApiCredentialTest' }],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				// The node writes every reply itself (see handleRequest), so n8n's own reply settings
				// never apply; onReceived keeps n8n from waiting for the workflow to finish.
				responseMode: 'onReceived',
				path: 'pos',
			},
		],
		properties: triggerProperties,
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
		events: String(this.getNodeParameter('events', '*') ?? '*'),
		// An expression can make these anything: an invalid value falls back to the safe default
		// (a NaN tolerance would otherwise switch the freshness check off).
		toleranceSeconds: validNumber(this.getNodeParameter('toleranceSeconds', 300), 300, 0),
		dedupe,
		dedupeWindowHours: dedupe ? validNumber(this.getNodeParameter('dedupeWindowHours', 72), 72, 1 / 60) : 72,
		includeHeaders: options.includeHeaders === true,
		removeFields: parseFieldList(options.removeFields as string | undefined),
	};
	const notificationUrl = String(this.getNodeParameter('notificationUrl', '') || this.getNodeWebhookUrl('default') || '');
	const request: InboundRequest = {
		headers: req.headers,
		rawBody: Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.alloc(0),
		notificationUrl,
	};

	const credentialId = this.getNode().credentials?.posApi?.id ?? undefined;
	const load = async () => (await this.getCredentials('posApi')) as unknown as PosCredentialData;
	let config = await signingConfigs.get(credentialId, load, nowMs);

	const isTest = this.getMode() === 'manual';
	const staticData = this.getWorkflowStaticData('global');
	const ledger = ledgerFor(
		{
			workflowId: String(this.getWorkflow().id ?? 'unsaved'),
			isTest,
			windowMs: settings.dedupeWindowHours * 3_600_000,
			maxEntries: validNumber(options.maxLedgerEntries ?? DEFAULT_MAX_ENTRIES, DEFAULT_MAX_ENTRIES, 1),
		},
		staticData,
	);

	let result = processDelivery(request, config, settings, ledger, nowMs);
	if (result.kind === 'rejected' && (result.reason === 'invalid_signature' || result.reason === 'missing_signature')) {
		// The secret (or the provider) may have changed since we cached it: check once more with a fresh copy.
		const fresh = await signingConfigs.refreshAfterFailure(credentialId, config, load, nowMs);
		if (fresh) {
			config = fresh;
			ledger.count(`rejected.${result.reason}`, -1);
			result = processDelivery(request, config, settings, ledger, nowMs);
		}
	}

	switch (result.kind) {
		case 'accepted':
			if (dedupe) persistLedger(ledger, staticData, isTest);
			// We answer 200 ourselves and tell n8n not to answer (noWebhookResponse), for two reasons
			// found on a real n8n 2.41 (test/e2e): with workflowData, n8n replies with the webhook's
			// responseData ("firstEntryJson") instead of our webhookResponse; and n8n saves the
			// webhook's static data when the reply has been sent, which must happen before it starts
			// the execution, because starting it clears the "changed" mark on that same static data
			// (the ledger would then never be saved after a workflow's first event).
			reply(this, 200, { status: 'accepted', id: result.item.id });
			return { workflowData: [this.helpers.returnJsonArray([result.item])], noWebhookResponse: true };
		case 'duplicate':
			return { webhookResponse: { status: 'duplicate', id: result.id } };
		case 'ignored':
			return { webhookResponse: { status: 'ignored', id: result.id, type: result.type } };
		case 'rejected':
			reply(this, result.status, { status: 'rejected', reason: result.reason, message: result.message });
			return reportRefusal(this, result, { provider: config.provider, notificationUrl });
		case 'failed':
			this.logger.error(`POS Webhook Trigger failed on a request: ${result.message}`);
			return reply(this, 503, { status: 'error', reason: 'temporarily_unavailable', message: 'Retry later' });
	}
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
 * Writes the answer ourselves (any status, the 200 included) and tells n8n not to answer. Whether n8n
 * starts an execution depends only on whether the caller also returns workflowData.
 */
function reply(ctx: IWebhookFunctions, status: number, body: IDataObject): IWebhookResponseData {
	try {
		const res = ctx.getResponseObject();
		if (!res.headersSent) res.status(status).json(body);
	} catch {
		// The connection is gone; there is no one left to answer.
	}
	return { noWebhookResponse: true };
}
