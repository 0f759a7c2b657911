import {
	NodeConnectionTypes,
	NodeOperationError,
	type ICredentialsDecrypted,
	type ICredentialTestFunctions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeCredentialTestResult,
	type IHookFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { parseFieldList } from '../shared/event';
import { DEFAULT_MAX_ENTRIES } from '../shared/ledger/Ledger';
import { testLedgerConnection } from '../shared/ledger/credentialTest';
import {
	LEDGER_CREDENTIAL,
	SharedLedgerUnavailableError,
	forgetLedgerConnection,
	openLedgerStore,
	storageOf,
	type LedgerStorage,
	type OpenedStore,
} from '../shared/ledger/openStore';
import { STATIC_DATA_KEY } from '../shared/ledger/registry';
import { sharedLedgerFactory, type SharedLedgerStore } from '../shared/ledger/sharedStore';
import type { Ledger } from '../shared/ledger/Ledger';
import { InProcessLedgerStore, type LedgerStore } from '../shared/ledger/store';
import type { InboundRequest, PosCredentialData } from '../shared/providers/types';
import { CredentialConfigError, SigningConfigCache, buildSigningConfig } from '../shared/signingConfig';
import { posApiCredentialTest } from '../Pos/methods/credentialTest';
import { EVENT_TYPES_SUBTITLE, readEventTypes, triggerProperties } from './description';
import { processDelivery, type DeliverySettings } from './processDelivery';
import { readRawBody } from './rawBody';
import { reportRefusal } from './refusals';
import { recordSettingsOnActivation } from './triggerSettings';
import { clearAwaitingStart, recordAwaitingStart, recordStarted, type MarkStore } from '../shared/ledger/durable';

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
		// 2: nothing in the description or the parameters makes n8n evaluate an expression per
		// request (version 1 costs a binaryData evaluation in n8n's parseRequestBody); see rawBody.ts.
		version: [1, 2],
		defaultVersion: 2,
		subtitle: EVENT_TYPES_SUBTITLE,
		description: 'Starts the workflow once per verified POS event: orders, payments, menus, shifts',
		defaults: { name: 'POS Webhook Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		// n8n's CredentialsTester takes the first node listing the credential with a testedBy and
		// calls that node's methods.credentialTest: both nodes hold it, so package.json order is moot.
		credentials: [
			{ name: 'posApi', required: true, testedBy: 'posApiCredentialTest' },
			// Only with Ledger Storage "Shared (Redis)" (queue mode); tested by connecting (methods.credentialTest).
			{
				name: 'posLedgerRedisApi',
				required: true,
				testedBy: 'posLedgerRedisConnection',
				displayOptions: { show: { dedupe: [true], ledgerStorage: ['redis'] } },
			},
		],
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
		credentialTest: {
			posApiCredentialTest,
			async posLedgerRedisConnection(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				return testLedgerConnection.call(this, credential);
			},
		},
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
				// The POS node follows these from now on: in the in-process ledger (static data), or,
				// with the shared ledger, in Redis (checkSharedLedger): static data is then left alone.
				if (storageOf(this.getNodeParameter('ledgerStorage', 'process')) === 'redis' && this.getNodeParameter('dedupe', true) !== false) {
					await checkSharedLedger(this);
				} else recordSettingsOnActivation(this);
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
	const body = await readRawBody(req);
	const notificationUrlParameter = String(this.getNodeParameter('notificationUrl', '') || '');
	const webhookUrl = this.getNodeWebhookUrl('default') ?? '';
	const credentialId = this.getNode().credentials?.posApi?.id ?? undefined;
	const load = async () => (await this.getCredentials('posApi')) as unknown as PosCredentialData;
	let config = await signingConfigs.get(credentialId, load, nowMs);
	const notificationUrl = squareNotificationUrl(notificationUrlParameter, config.credential, webhookUrl);
	if (!body.ok) {
		// Too large (413) or compressed in a way n8n did not decode (415): refused like the others,
		// logged with the fix and shown in the editor while it listens.
		reply(this, body.status, { status: 'rejected', reason: body.reason, message: body.message });
		return reportRefusal(this, body, { provider: config.provider, notificationUrl });
	}
	const request: InboundRequest = { headers: req.headers, rawBody: body.body, notificationUrl };

	const isTest = this.getMode() === 'manual';
	const storage = storageOf(this.getNodeParameter('ledgerStorage', 'process'));
	const opened = await openStore(this, storage, settings, options, isTest, nowMs);
	const claims = opened.kind === 'shared' ? sharedClaims(opened.store, nowMs) : inProcessClaims(opened.store, nowMs);
	const decide = () => processDelivery(request, config, settings, claims.ledger, nowMs, claims.deferred);

	let result = decide();
	if (result.kind === 'rejected' && (result.reason === 'invalid_signature' || result.reason === 'missing_signature')) {
		// The secret (or the provider) may have changed since we cached it: check once more with a fresh copy.
		const fresh = await signingConfigs.refreshAfterFailure(credentialId, config, load, nowMs);
		if (fresh) {
			config = fresh;
			request.notificationUrl = squareNotificationUrl(notificationUrlParameter, config.credential, webhookUrl);
			claims.store.count(`rejected.${result.reason}`, -1);
			result = decide();
		}
	}

	switch (result.kind) {
		case 'accepted': {
			const { item, claimKeys } = result;
			if (claimKeys.length > 0) {
				// Called right after decide(), no await in between: see inProcessClaims.
				const { outcome, waiting } = await claims.claim(claimKeys);
				if (outcome === 'duplicate') {
					claims.countAccepted(false);
					claims.store.count('duplicate');
					return { webhookResponse: { status: 'duplicate', id: item.id } };
				}
				const maxPending = validNumber(options.maxPendingEvents ?? DEFAULT_MAX_PENDING, DEFAULT_MAX_PENDING, 1);
				if (waiting >= maxPending) {
					// n8n is not keeping up: answering 200 now would only grow a backlog that a crash
					// loses. A 503 with Retry-After makes the POS send the event again later.
					await claims.store.release(claimKeys);
					claims.countAccepted(false);
					claims.store.count('deferred');
					return reply(this, 503, { status: 'busy', reason: 'overloaded', message: 'Too many events waiting; retry later' }, RETRY_AFTER_SECONDS);
				}
				settleOnAnswer(this, claims.store, claimKeys);
			}
			claims.countAccepted(true);
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
			if (result.recordKeys && result.recordKeys.length > 0) await claims.recordKeys(result.recordKeys);
			return { webhookResponse: { status: 'ignored', id: result.id, type: result.type } };
		case 'rejected':
			reply(this, result.status, { status: 'rejected', reason: result.reason, message: result.message });
			return reportRefusal(this, result, { provider: config.provider, notificationUrl: request.notificationUrl });
		case 'failed':
			this.logger.error(`POS Webhook Trigger failed on a request: ${result.message}`);
			return reply(this, 503, { status: 'error', reason: 'temporarily_unavailable', message: 'Retry later' });
	}
}

/**
 * How an accepted event's keys become a pending claim, per Ledger Storage. Both apply
 * processDelivery's claim rules (claimDelivery): a known id or replay key is a duplicate and
 * claims nothing; otherwise the id and its replay keys are claimed together, pending until n8n's
 * 2xx or the execution's first step confirms them.
 */
interface DeliveryClaims {
	store: LedgerStore;
	/** processDelivery's ledger (in-process: it claims synchronously) ... */
	ledger?: Ledger;
	/** ... or a deferred claim (shared: processDelivery only decides; claim() does it in Redis). */
	deferred?: { count(outcome: string, by?: number): void };
	/** waiting: claims pending before this one (what back-pressure bounds). */
	claim(keys: string[]): Promise<{ outcome: 'new' | 'duplicate'; waiting: number }>;
	/** An ignored delivery whose type is unsigned: its replay keys, so a re-typed replay is a duplicate. */
	recordKeys(keys: string[]): Promise<void>;
	/** The "accepted" counter, which processDelivery moves itself in-process, not when deferred. */
	countAccepted(accepted: boolean): void;
}

/**
 * In-process: processDelivery has already claimed the keys in the ledger (and counted them as
 * accepted); claim() turns them into a pending claim in the same tick (its body has no await, and
 * the caller calls it right after processDelivery), so no save of the ledger can catch an id
 * whose execution is not registered yet.
 */
function inProcessClaims(store: InProcessLedgerStore, nowMs: number): DeliveryClaims {
	return {
		store,
		ledger: store.ledger,
		async claim(keys) {
			const waiting = store.pendingCountSync(nowMs);
			return { outcome: store.adoptAsPending(keys, nowMs), waiting };
		},
		async recordKeys() {
			// processDelivery recorded them in the ledger itself.
		},
		countAccepted(accepted) {
			if (!accepted) store.count('accepted', -1); // processDelivery counted it when it claimed
		},
	};
}

/** Shared (Redis): one Lua script claims the id and its replay keys together, or none of them. */
function sharedClaims(store: SharedLedgerStore, nowMs: number): DeliveryClaims {
	return {
		store,
		deferred: store,
		async claim(keys) {
			const waiting = await store.pendingCount(nowMs);
			return { outcome: await store.claim(keys, nowMs), waiting };
		},
		recordKeys: async (keys) => await store.recordKeys(keys),
		countAccepted(accepted) {
			if (accepted) store.count('accepted');
		},
	};
}

/**
 * The workflow's ledger store, with the trigger's own window and bound: the in-process one, or
 * the shared one in Redis (Ledger Storage "Shared (Redis)", queue mode).
 */
async function openStore(
	ctx: IWebhookFunctions | IExecuteFunctions | IHookFunctions,
	storage: LedgerStorage,
	settings: Pick<DeliverySettings, 'dedupeWindowHours'>,
	options: IDataObject,
	isTest: boolean,
	nowMs: number,
): Promise<OpenedStore> {
	return openLedgerStore({
		storage,
		scope: {
			workflowId: String(ctx.getWorkflow().id ?? 'unsaved'),
			isTest,
			windowMs: settings.dedupeWindowHours * 3_600_000,
			maxEntries: validNumber(options.maxLedgerEntries ?? DEFAULT_MAX_ENTRIES, DEFAULT_MAX_ENTRIES, 1),
		},
		staticData: ctx.getWorkflowStaticData('global'),
		credentialId: ctx.getNode().credentials?.[LEDGER_CREDENTIAL]?.id ?? undefined,
		loadCredential: async () => (await ctx.getCredentials(LEDGER_CREDENTIAL)) as Record<string, unknown>,
		nowMs,
	});
}

/**
 * Activation with Ledger Storage "Shared (Redis)" (and Drop Duplicate Events on; create() checks
 * both): refuses to activate when the companion package is missing or Redis does not answer, so
 * the mistake shows in the editor, not as 503s to the POS. Then writes the trigger's window, event
 * types and fields to remove where the POS node (on a worker) can read them.
 */
async function checkSharedLedger(ctx: IHookFunctions): Promise<void> {
	forgetLedgerConnection(ctx.getNode().credentials?.[LEDGER_CREDENTIAL]?.id ?? undefined);
	const dedupeWindowHours = validNumber(ctx.getNodeParameter('dedupeWindowHours', 72), 72, 1 / 60);
	const isTest = ctx.getMode() === 'manual';
	let opened: OpenedStore;
	try {
		opened = await openStore(ctx, 'redis', { dedupeWindowHours }, {}, isTest, Date.now());
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), error as Error, {
			description: error instanceof SharedLedgerUnavailableError ? error.hint : 'Open the POS Ledger Redis credential and check it',
		});
	}
	if (opened.kind !== 'shared') return;
	try {
		await sharedLedgerFactory()?.check(opened.connection);
		// Reconcile on a worker reads these (its static data is not the trigger's): the same
		// events, with the same fields removed, whichever way they come.
		const options = ctx.getNodeParameter('options', {}) as IDataObject;
		await opened.store.saveSettings({
			dedupeWindowHours,
			events: readEventTypes((name, fallback) => ctx.getNodeParameter(name, fallback)),
			removeFields: parseFieldList(options.removeFields as string | undefined),
			updatedAt: new Date().toISOString(),
		});
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), `The shared ledger's Redis cannot be used: ${(error as Error).message}`, {
			description: 'Check the POS Ledger Redis credential (host, port, password, TLS) and that Redis is running',
		});
	}
}

/** The shared ledger records marks; the in-process store does not (its durable records go to n8n's database). */
function isMarkStore(store: LedgerStore): store is LedgerStore & MarkStore {
	return typeof (store as Partial<MarkStore>).recordMarks === 'function';
}

/**
 * n8n's answer settles the pending claim: 2xx means the execution is registered (n8n sends it
 * only after WorkflowRunner.run() returned), so the id goes into the ledger, even when a queue-mode
 * worker runs the execution elsewhere. Anything else, or the POS hanging up first, releases it so
 * that the POS retry is accepted. (execute() confirms too, for ids this process never claimed.)
 */
function settleOnAnswer(ctx: IWebhookFunctions, store: LedgerStore, keys: string[]): void {
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
		// A confirm that fails (Redis down) leaves the claim pending: it expires in 60 s, and the
		// durable "started" record still stops a second execution of the event.
		if (res.statusCode >= 200 && res.statusCode < 300) {
			const nowMs = Date.now();
			if (store instanceof InProcessLedgerStore) {
				// In the same tick: no save of the ledger can hold the id without its "registered, not
				// started" mark, which execute() clears (see Ledger.awaitStart).
				store.confirmSync(keys, nowMs);
				store.ledger.awaitStart(keys[0], nowMs);
			} else {
				void store.confirm(keys, nowMs).catch(() => undefined);
				// The shared counterpart of the "registered, not started" mark (Reconcile reads both).
				if (isMarkStore(store)) void recordAwaitingStart(keys[0], nowMs, store).catch(() => undefined);
			}
		} else void store.release(keys).catch(() => undefined);
	});
	res.once('close', () => {
		if (!finished) void store.release(keys).catch(() => undefined);
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
	const nowMs = Date.now();
	const storage = storageOf(this.getNodeParameter('ledgerStorage', 0, 'process'));
	const opened = await openStore(this, storage, { dedupeWindowHours }, options, false, nowMs);

	const ids = items.map((item) => (typeof item.json.id === 'string' ? item.json.id : undefined));
	let started: Set<string>;
	try {
		started = await recordStarted(
			this,
			ids.filter((id): id is string => id !== undefined),
			// Queue mode: executions start on several workers at once; Redis records each atomically.
			opened.kind === 'shared' ? opened.store : undefined,
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
		if (opened.kind === 'process') {
			opened.store.confirmSync([id], nowMs);
			opened.store.ledger.started(id);
		} else {
			await opened.store.confirm([id], nowMs);
			// Started: the "registered" mark has done its job (Reconcile needs it only without "started").
			void clearAwaitingStart(id, opened.store).catch(() => undefined);
		}
		if (started.has(id)) {
			opened.store.count('duplicate.started');
			continue;
		}
		kept.push(item);
	}
	// Saved by n8n when this execution ends (execution-lifecycle-hooks.js saveStaticData): the
	// live ledger, with every claim of this process up to that moment. Not with the shared
	// ledger: it lives in Redis, and a worker's static data (loaded as {}) must stay untouched.
	if (opened.kind === 'process' && persistDue(opened.store, nowMs, kept.length)) {
		this.getWorkflowStaticData('global')[STATIC_DATA_KEY] = opened.store.toJSON() as unknown as IDataObject;
	}
	return kept;
}

/**
 * Whether this execution saves the ledger into static data. n8n rewrites the workflow's whole
 * static data (every remembered id, about 12 bytes each) whenever an execution changed it: one
 * more database write per event. So during a burst only some executions save: this one skips when
 * other accepted events of this process are still on their way to their first step (one of them
 * will save, with everything up to then, since the saved object is the live ledger), unless
 * PERSIST_EVERY_MS or PERSIST_AFTER_EVENTS passed since the last save. One event at a time (the
 * usual restaurant pace) saves every time, as before. What a crash in a burst misses is covered by
 * the durable "started" records written above: a retry or a reconciliation of those events runs
 * nothing twice (the retry is answered "accepted" and stopped at the first step).
 */
const PERSIST_EVERY_MS = 5_000;
const PERSIST_AFTER_EVENTS = 500;
/** Awaiting-start marks older than this are taken as stale (their execution died): they do not hold saves back. */
const IN_FLIGHT_MS = 60_000;
const persistState = new WeakMap<object, { savedAtMs: number; unsaved: number }>();

function persistDue(store: InProcessLedgerStore, nowMs: number, events: number): boolean {
	const state = persistState.get(store.ledger) ?? { savedAtMs: 0, unsaved: 0 };
	persistState.set(store.ledger, state);
	state.unsaved += events;
	const othersOnTheirWay = store.pendingCountSync(nowMs) + store.ledger.awaitingStartCount(nowMs - IN_FLIGHT_MS);
	if (othersOnTheirWay > 0 && nowMs - state.savedAtMs < PERSIST_EVERY_MS && state.unsaved < PERSIST_AFTER_EVENTS) return false;
	state.savedAtMs = nowMs;
	state.unsaved = 0;
	return true;
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
