/**
 * Our nodes run through n8n-core 2.41's REAL contexts, as n8n 2.41 runs them:
 * - the trigger through `new WebhookContext(...)` + `nodeType.webhook.call(context)`, exactly as
 *   n8n's WebhookService.runWebhook does (n8n/dist/webhooks/webhook.service.js), and its answer
 *   written the way n8n's webhook-helpers (executeWebhook's responseCallback) does: nothing when the
 *   node answered itself (noWebhookResponse), else 200 with `webhookResponse` as JSON;
 * - the POS node through `new ExecuteContext(...)` + `nodeType.execute.call(context)`, with n8n-core's
 *   real `helpers.httpRequestWithAuthentication` (authentication.js → @n8n/backend-network's
 *   OutboundHttp, axios + follow-redirects): real HTTP, real redirect handling.
 * The one piece n8n-core does not contain is the credentials helper (it lives in n8n's CLI, backed by
 * the database). ContractCredentialsHelper below copies what n8n/dist/credentials-helper.js does
 * for our credential: hands out the stored data (n8n decrypts it from its database; n8n 2.41's
 * Cipher needs the CLI's key provider, which is not part of n8n-core), applies the credential's defaults (NodeHelpers.getNodeParameters, applyDefaultsAndOverwrites)
 * and applies a generic `authenticate` by resolving `={{$credentials.x}}` through the workflow's
 * expression engine (authenticate + resolveValue).
 *
 * Import ./userFolder before this file.
 */
import { DataDeduplicationService, ExecuteContext, WebhookContext } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	ICredentialsHelper,
	IDataObject,
	IExecuteData,
	IHttpRequestOptions,
	INode,
	INodeCredentialsDetails,
	INodeExecutionData,
	INodeParameters,
	INodeProperties,
	INodeType,
	INodeTypes,
	IRunExecutionData,
	IWebhookData,
	IWebhookResponseData,
	IWorkflowExecuteAdditionalData,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { NodeHelpers, Workflow, createRunExecutionData, isExpression } from 'n8n-workflow';

import { PosApi } from '../../../credentials/PosApi.credentials';
import { Pos } from '../../../nodes/Pos/Pos.node';
import { PosWebhookTrigger } from '../../../nodes/PosWebhookTrigger/PosWebhookTrigger.node';

export const TRIGGER_TYPE = 'n8n-nodes-pos-webhooks.posWebhookTrigger';
export const POS_TYPE = 'n8n-nodes-pos-webhooks.pos';
export const WEBHOOK_BASE_URL = 'https://n8n.example.com/webhook';

const nodeTypeInstances: Record<string, INodeType> = {
	[TRIGGER_TYPE]: new PosWebhookTrigger(),
	[POS_TYPE]: new Pos(),
};

export const nodeTypes: INodeTypes = {
	getByName: (type) => lookupNodeType(type),
	getByNameAndVersion: (type) => lookupNodeType(type),
	getKnownTypes: () => ({}),
};

function lookupNodeType(type: string): INodeType {
	const nodeType = nodeTypeInstances[type];
	if (!nodeType) throw new Error(`unknown node type ${type}`);
	return nodeType;
}

const credentialTypes: Record<string, ICredentialType> = { posApi: new PosApi() };

interface StoredCredential {
	id: string;
	name: string;
	type: string;
	data: ICredentialDataDecryptedObject;
}

export class ContractCredentialsHelper implements ICredentialsHelper {
	private readonly store = new Map<string, StoredCredential>();
	/** How many times a credential was decrypted (n8n reads the database each time). */
	decryptions = 0;

	/** Stores a credential; returns what a node's `credentials.posApi` holds. */
	save(id: string, data: IDataObject, type = 'posApi'): INodeCredentialsDetails {
		this.store.set(id, { id, name: `POS ${id}`, type, data: structuredClone(data) as ICredentialDataDecryptedObject });
		return { id, name: `POS ${id}` };
	}

	getParentTypes(): string[] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async getCredentials(): Promise<never> {
		throw new Error('not used by n8n-core for our nodes');
	}

	private stored(nodeCredentials: INodeCredentialsDetails, type: string): StoredCredential {
		const stored = nodeCredentials.id ? this.store.get(nodeCredentials.id) : undefined;
		if (!stored || stored.type !== type) throw new Error(`Credential with ID "${nodeCredentials.id}" does not exist for type "${type}".`);
		return stored;
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		this.decryptions++;
		const decrypted = structuredClone(this.stored(nodeCredentials, type).data);
		return NodeHelpers.getNodeParameters(this.getCredentialsProperties(type), decrypted as INodeParameters, true, false, null, null) as ICredentialDataDecryptedObject;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		incoming: IHttpRequestOptions,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const requestOptions = incoming as IHttpRequestOptions & Record<string, IDataObject | undefined>;
		const authenticate = credentialTypes[typeName]?.authenticate;
		if (authenticate === undefined) return requestOptions;
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
		if (!workflow || !node) throw new Error('Workflow and node are required for declarative credential authentication');
		requestOptions.headers ??= {};
		for (const [outerKey, outerValue] of Object.entries(authenticate.properties)) {
			for (const [key, value] of Object.entries(outerValue as Record<string, string>)) {
				const resolvedKey = resolveValue(key, credentials, workflow, node);
				const resolvedValue = resolveValue(value, credentials, workflow, node);
				requestOptions[outerKey] ??= {};
				(requestOptions[outerKey] as IDataObject)[resolvedKey] = resolvedValue;
			}
		}
		return requestOptions;
	}

	async preAuthentication(): Promise<undefined> {
		return undefined; // our credential has no expirable property
	}

	async runPreAuthentication(): Promise<undefined> {
		return undefined;
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(type: string): INodeProperties[] {
		const credentialType = credentialTypes[type];
		if (!credentialType) throw new Error(`unknown credential type ${type}`);
		return credentialType.properties;
	}
}

/** n8n/dist/credentials-helper.js resolveValue. */
function resolveValue(value: string, credentials: ICredentialDataDecryptedObject, workflow: Workflow, node: INode): string {
	if (!isExpression(value)) return value;
	const resolved = workflow.expression.getSimpleParameterValue(node, value, 'internal', { $credentials: credentials }, undefined, '');
	return resolved ? String(resolved) : '';
}

export function additionalData(credentialsHelper: ICredentialsHelper, extra: Partial<IWorkflowExecuteAdditionalData> = {}): IWorkflowExecuteAdditionalData {
	return {
		credentialsHelper,
		executeWorkflow: async () => {
			throw new Error('not used');
		},
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		currentNodeExecutionIndex: 0,
		restApiUrl: 'https://n8n.example.com/rest',
		instanceBaseUrl: 'https://n8n.example.com/',
		formBaseUrl: 'https://n8n.example.com/form',
		formWaitingBaseUrl: 'https://n8n.example.com/form-waiting',
		formTestBaseUrl: 'https://n8n.example.com/form-test',
		webhookBaseUrl: WEBHOOK_BASE_URL,
		webhookWaitingBaseUrl: 'https://n8n.example.com/webhook-waiting',
		webhookTestBaseUrl: 'https://n8n.example.com/webhook-test',
		mcpBaseUrl: 'https://n8n.example.com/mcp',
		mcpTestBaseUrl: 'https://n8n.example.com/mcp-test',
		variables: {},
		logAiEvent: () => undefined,
		...extra,
	} as IWorkflowExecuteAdditionalData;
}

export function makeWorkflow(id: string, nodes: INode[], staticData: IDataObject = {}): Workflow {
	return new Workflow({ id, name: `contract ${id}`, nodes, connections: {}, active: true, nodeTypes, staticData, settings: {} });
}

// ---------------------------------------------------------------------------------------------
// The trigger through WebhookContext

export interface WebhookRequest {
	headers: Record<string, string>;
	body: string | Buffer;
}

export interface WebhookAnswer {
	status: number;
	body: IDataObject;
	/** The items the execution would start with; undefined when n8n starts none. */
	workflowData?: INodeExecutionData[][];
	result: IWebhookResponseData;
}

/**
 * One published trigger workflow. Each delivery builds a fresh Workflow from the static data n8n
 * saved last (n8n loads the workflow per request) and saves it back when the node changed it
 * (n8n's WorkflowStaticDataService.saveStaticData checks the same __dataChanged mark).
 */
export class TriggerUnderTest {
	private savedStaticData: IDataObject = {};
	readonly node: INode;

	constructor(
		readonly workflowId: string,
		readonly credentials: ContractCredentialsHelper,
		credential: INodeCredentialsDetails,
		parameters: INodeParameters,
		readonly webhookId = 'a1b2c3d4-0000-4000-8000-000000000001',
	) {
		this.node = {
			id: 'trigger-node-id',
			name: 'POS Webhook Trigger',
			type: TRIGGER_TYPE,
			typeVersion: 1,
			position: [0, 0],
			webhookId,
			// The parameters with their defaults, as the editor saves them.
			parameters: NodeHelpers.getNodeParameters(lookupNodeType(TRIGGER_TYPE).description.properties, parameters, true, false, null, null) as INodeParameters,
			credentials: { posApi: credential },
		};
	}

	async deliver(request: WebhookRequest, mode: WorkflowExecuteMode = 'webhook'): Promise<WebhookAnswer> {
		const workflow = makeWorkflow(this.workflowId, [this.node], structuredClone(this.savedStaticData));
		const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'utf8');
		const headers: Record<string, string> = {};
		for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
		// What n8n's webhook server hands the node: express's request with the raw bytes kept (rawBody).
		const req = { method: 'POST', headers, rawBody, body: parseJson(rawBody), params: {}, query: {}, url: `/webhook/${this.webhookId}/pos` };
		const written: { status?: number; body?: IDataObject } = {};
		const res = {
			headersSent: false,
			status(code: number) {
				written.status = code;
				return res;
			},
			json(body: IDataObject) {
				written.body = body;
				res.headersSent = true;
				return res;
			},
			setHeader: () => res,
			end: () => {
				res.headersSent = true;
				return res;
			},
		};
		const data = additionalData(this.credentials, { httpRequest: req as never, httpResponse: res as never, workflowId: this.workflowId });
		const webhookData: IWebhookData = {
			httpMethod: 'POST',
			node: this.node.name,
			path: `${this.webhookId}/pos`,
			// The node's own webhook description (responseMode, responseData), as n8n reads it.
			webhookDescription: { ...lookupNodeType(TRIGGER_TYPE).description.webhooks![0] },
			workflowId: this.workflowId,
			workflowExecuteAdditionalData: data,
			webhookId: this.webhookId,
		};
		const runExecutionData: IRunExecutionData = createRunExecutionData({
			executionData: { nodeExecutionStack: [{ node: this.node, data: { main: [] }, source: null }] },
		});
		const context = new WebhookContext(workflow, this.node, data, mode, webhookData, [], runExecutionData);
		const nodeType = lookupNodeType(this.node.type);
		const result = (await nodeType.webhook!.call(context)) as IWebhookResponseData;


		// n8n/dist/webhooks/webhook-helpers.js executeWebhook: the node answered itself, or n8n answers
		// 200 with webhookResponse (no workflowData), or its default "Webhook call received".
		let answer: { status: number; body: IDataObject };
		if (result.noWebhookResponse === true) {
			if (written.status === undefined) throw new Error('the node asked n8n not to answer but answered nothing itself');
			answer = { status: written.status, body: written.body ?? {} };
		} else if (result.workflowData === undefined && result.webhookResponse !== undefined) {
			answer = { status: 200, body: result.webhookResponse as IDataObject };
		} else if (result.workflowData === undefined) {
			answer = { status: 200, body: { message: 'Webhook call received' } };
		} else {
			// The deferred onReceived reply, sent once the execution is registered
			// (webhook-on-received-response-extractor.js): responseData if set, else webhookResponse.
			const responseData = webhookData.webhookDescription.responseData ?? 'firstEntryJson';
			const body = responseData === 'noData' ? {} : responseData ? { text: String(responseData) } : (result.webhookResponse ?? { message: 'Workflow was started' });
			answer = { status: 200, body: body as IDataObject };
			// The execution: its first node is the trigger's own execute() (workflow-execute.js runNode).
			if (mode !== 'manual') await this.runFirstNode(workflow, data, mode, result.workflowData[0] ?? []);
		}
		// n8n saves static data when the execution ends, if changed; stored as JSON in its database.
		if ((workflow.staticData as IDataObject).__dataChanged === true) {
			const copy = JSON.parse(JSON.stringify(workflow.staticData)) as IDataObject;
			delete copy.__dataChanged;
			this.savedStaticData = copy;
		}
		return { ...answer, workflowData: result.workflowData, result };
	}

	private async runFirstNode(workflow: Workflow, data: IWorkflowExecuteAdditionalData, mode: WorkflowExecuteMode, input: INodeExecutionData[]): Promise<void> {
		ensureDeduplication();
		const inputData = { main: [input] };
		const executeData: IExecuteData = { node: this.node, data: inputData, source: null };
		const context = new ExecuteContext(workflow, this.node, data, mode, createRunExecutionData({}), 0, input, inputData, executeData, []);
		await lookupNodeType(TRIGGER_TYPE).execute!.call(context);
	}
}

function parseJson(raw: Buffer): unknown {
	try {
		return JSON.parse(raw.toString('utf8'));
	} catch {
		return {};
	}
}

// ---------------------------------------------------------------------------------------------
// The POS node through ExecuteContext

export interface PosRun {
	output: INodeExecutionData[][];
	items: IDataObject[];
}

export async function executePos(options: {
	credentials: ContractCredentialsHelper;
	credential: INodeCredentialsDetails;
	parameters: INodeParameters;
	workflowId: string;
	input?: INodeExecutionData[];
	mode?: WorkflowExecuteMode;
}): Promise<PosRun> {
	const node: INode = {
		id: 'pos-node-id',
		name: 'POS',
		type: POS_TYPE,
		typeVersion: 1,
		position: [200, 0],
		parameters: NodeHelpers.getNodeParameters(
			lookupNodeType(POS_TYPE).description.properties,
			options.parameters,
			true,
			false,
			null,
			null,
		) as INodeParameters,
		credentials: { posApi: options.credential },
	};
	const workflow = makeWorkflow(options.workflowId, [node]);
	const input = options.input ?? [{ json: {} }];
	const inputData = { main: [input] };
	const executeData: IExecuteData = { node, data: inputData, source: { main: [{ previousNode: 'Start' }] } };
	const runExecutionData: IRunExecutionData = createRunExecutionData({});
	const data = additionalData(options.credentials, { workflowId: options.workflowId, executionId: 'contract-1' });
	const context = new ExecuteContext(workflow, node, data, options.mode ?? 'manual', runExecutionData, 0, input, inputData, executeData, []);
	const output = (await lookupNodeType(POS_TYPE).execute!.call(context)) as INodeExecutionData[][];
	return { output, items: (output[0] ?? []).map((item) => item.json) };
}

/** n8n's processed-data table (its CLI backs it with the database): in memory here, mode 'entries'. */
function ensureDeduplication(): void {
	try {
		DataDeduplicationService.getInstance();
		return;
	} catch {
		// not initialised yet
	}
	const rows = new Map<string, string[]>();
	const key = (scope: string, ctx: { workflow: { id?: string }; node?: { id: string } }) => `${ctx.workflow.id}|${scope === 'node' ? ctx.node?.id : ''}`;
	void DataDeduplicationService.init({
		async checkProcessedAndRecord(items: Array<string | number>, scope: string, ctx: never, options: { maxEntries?: number }) {
			const row = rows.get(key(scope, ctx)) ?? [];
			const out = { new: [] as Array<string | number>, processed: [] as Array<string | number> };
			for (const item of items) {
				if (row.includes(String(item))) out.processed.push(item);
				else {
					out.new.push(item);
					row.push(String(item));
				}
			}
			if (options.maxEntries) row.splice(0, Math.max(0, row.length - options.maxEntries));
			rows.set(key(scope, ctx), row);
			return out;
		},
		async removeProcessed(items: Array<string | number>, scope: string, ctx: never) {
			rows.set(key(scope, ctx), (rows.get(key(scope, ctx)) ?? []).filter((v) => !items.map(String).includes(v)));
		},
		async clearAllProcessedItems(scope: string, ctx: never) {
			rows.delete(key(scope, ctx));
		},
		async getProcessedDataCount(scope: string, ctx: never) {
			return (rows.get(key(scope, ctx)) ?? []).length;
		},
	} as never);
}
