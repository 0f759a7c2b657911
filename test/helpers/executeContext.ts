/**
 * A small IExecuteFunctions for running action nodes in tests, close to what n8n-core gives a
 * node at run time:
 * - parameters get their defaults the way n8n resolves them (NodeHelpers.getNodeParameters over the
 *   node's own description, honouring displayOptions), so a node asking for a parameter its
 *   description does not show for the operation fails here as it would in n8n;
 * - helpers.httpRequestWithAuthentication makes a REAL HTTP request (Node's fetch), applies the
 *   credential type's `authenticate` (generic: headers / qs resolved from `{{$credentials.x}}`),
 *   and follows n8n-core's contract: `returnFullResponse` gives { body, headers, statusCode,
 *   statusMessage }, `ignoreHttpStatusErrors` stops throwing on HTTP errors, and a failure without
 *   an HTTP answer is thrown wrapped in a NodeApiError;
 * - anything the node touches that is not implemented throws, so the harness cannot silently hide
 *   a dependency on n8n behaviour it does not model.
 * Expressions are not evaluated: per-item values are given with `itemParameters`.
 */
import type {
	IAuthenticateGeneric,
	ICredentialDataDecryptedObject,
	ICredentialType,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	IPairedItemData,
	JsonObject,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { NodeApiError, NodeHelpers, NodeOperationError } from 'n8n-workflow';

import { PosApi } from '../../credentials/PosApi.credentials';

export interface RecordedRequest {
	method: string;
	url: string;
	headers: Record<string, string>;
	body?: unknown;
}

/**
 * n8n's processed-data table (the deduplication helpers, mode 'entries'), as
 * n8n/dist/deduplication/deduplication-helper.js keeps it: one list per workflow and scope,
 * oldest first, trimmed to maxEntries. It outlives a simulated restart (resetLedgersForTest), as
 * the database does. Pass the same object to every context of one "database".
 */
export class ProcessedDataTable {
	readonly rows = new Map<string, string[]>();
	writes = 0;
	/** Makes the next write fail, as a database error would. */
	failNext = false;

	key(workflowId: string, scope: string, nodeId: string): string {
		return `${workflowId}|${scope === 'node' ? `n:${nodeId}` : ''}`;
	}

	checkAndRecord(key: string, items: Array<string | number>, maxEntries?: number): { new: Array<string | number>; processed: Array<string | number> } {
		if (this.failNext) {
			this.failNext = false;
			throw new Error('SQLITE_BUSY: database is locked');
		}
		const row = this.rows.get(key) ?? [];
		const known = new Set(row);
		const out = { new: [] as Array<string | number>, processed: [] as Array<string | number> };
		for (const item of items) {
			if (known.has(String(item))) out.processed.push(item);
			else {
				out.new.push(item);
				row.push(String(item));
			}
		}
		if (maxEntries) row.splice(0, Math.max(0, row.length - maxEntries));
		this.rows.set(key, row);
		this.writes++;
		return out;
	}
}

export interface ExecuteContextOptions {
	nodeType: INodeType;
	/** The node's parameters as saved in the workflow (defaults are added like n8n does). */
	parameters: INodeParameters;
	/** Values that differ per input item (what expressions would resolve to). */
	itemParameters?: Array<INodeParameters | undefined>;
	/** The decrypted credential; null for a node without one selected. */
	credentials?: ICredentialDataDecryptedObject | null;
	credentialType?: ICredentialType;
	workflowId?: string;
	mode?: WorkflowExecuteMode;
	/** Global static data of the workflow (shared across runs when the same object is passed). */
	staticData?: IDataObject;
	inputItems?: INodeExecutionData[];
	continueOnFail?: boolean;
	nodeName?: string;
	/** Per-request timeout of the HTTP helper. */
	httpTimeoutMs?: number;
	/** n8n's processed-data table (deduplication helpers); a fresh one when not given. */
	processedData?: ProcessedDataTable;
}

export interface ExecuteHarness {
	context: IExecuteFunctions;
	requests: RecordedRequest[];
	logs: Array<{ level: string; message: string }>;
	staticData: IDataObject;
	node: INode;
	run(): Promise<INodeExecutionData[][]>;
}

function getPath(source: unknown, path: string): unknown {
	let current = source;
	for (const key of path.split('.')) {
		if (current === null || typeof current !== 'object') return undefined;
		current = (current as Record<string, unknown>)[key];
	}
	return current;
}

/** Resolves "=Bearer {{$credentials.apiToken}}" style values; other expressions are not supported here. */
function resolveCredentialExpression(value: unknown, credentials: ICredentialDataDecryptedObject): unknown {
	if (typeof value !== 'string' || !value.startsWith('=')) return value;
	const template = value.slice(1);
	const resolved = template.replace(/\{\{\s*\$credentials\.([A-Za-z0-9_]+)\s*\}\}/g, (_m, key: string) => {
		const v = credentials[key];
		return v === undefined || v === null ? '' : String(v);
	});
	if (resolved.includes('{{')) throw new Error(`The test harness cannot resolve the expression ${value}`);
	return resolved;
}

function applyAuthentication(
	credentialType: ICredentialType,
	credentials: ICredentialDataDecryptedObject,
	options: IHttpRequestOptions,
): IHttpRequestOptions {
	const auth = credentialType.authenticate as IAuthenticateGeneric | undefined;
	if (!auth) return options;
	if (typeof auth === 'function' || auth.type !== 'generic') {
		throw new Error('The test harness only applies generic credential authentication');
	}
	const out: IHttpRequestOptions = { ...options, headers: { ...(options.headers ?? {}) }, qs: { ...(options.qs ?? {}) } };
	for (const [name, value] of Object.entries(auth.properties.headers ?? {})) {
		out.headers![name] = resolveCredentialExpression(value, credentials) as string;
	}
	for (const [name, value] of Object.entries(auth.properties.qs ?? {})) {
		out.qs![name] = resolveCredentialExpression(value, credentials) as string;
	}
	return out;
}

function buildUrl(options: IHttpRequestOptions): string {
	const url = new URL(options.url, options.baseURL);
	for (const [key, value] of Object.entries(options.qs ?? {})) {
		if (value === undefined || value === null) continue;
		if (Array.isArray(value)) for (const v of value) url.searchParams.append(`${key}[]`, String(v));
		else url.searchParams.append(key, String(value));
	}
	return url.toString();
}

export function createExecuteContext(options: ExecuteContextOptions): ExecuteHarness {
	const description = options.nodeType.description;
	const credentialType = options.credentialType ?? new PosApi();
	const staticData: IDataObject = options.staticData ?? {};
	const nodeStaticData: IDataObject = {};
	const inputItems = options.inputItems ?? [{ json: {} }];
	const requests: RecordedRequest[] = [];
	const logs: Array<{ level: string; message: string }> = [];
	const credentials = options.credentials === undefined ? null : options.credentials;
	const processedData = options.processedData ?? new ProcessedDataTable();

	const node: INode = {
		id: 'pos-node-1',
		name: options.nodeName ?? (description.defaults.name as string) ?? description.displayName,
		type: `n8n-nodes-pos-webhooks.${description.name}`,
		typeVersion: 1,
		position: [0, 0],
		parameters: options.parameters,
		credentials: credentials ? { [credentialType.name]: { id: 'cred-1', name: 'POS API account' } } : undefined,
	};

	const resolvedCache = new Map<number, INodeParameters>();
	const parametersFor = (itemIndex: number): INodeParameters => {
		let resolved = resolvedCache.get(itemIndex);
		if (!resolved) {
			const raw = { ...options.parameters, ...(options.itemParameters?.[itemIndex] ?? {}) };
			resolved = NodeHelpers.getNodeParameters(description.properties, raw, true, false, node, description) ?? {};
			resolvedCache.set(itemIndex, resolved);
		}
		return resolved;
	};

	const logger = {
		debug: (message: string) => logs.push({ level: 'debug', message }),
		info: (message: string) => logs.push({ level: 'info', message }),
		warn: (message: string) => logs.push({ level: 'warn', message }),
		error: (message: string) => logs.push({ level: 'error', message }),
	};

	async function httpRequest(requestOptions: IHttpRequestOptions): Promise<unknown> {
		const method = (requestOptions.method ?? 'GET').toUpperCase();
		const url = buildUrl(requestOptions);
		const headers: Record<string, string> = { 'user-agent': 'n8n' };
		for (const [k, v] of Object.entries(requestOptions.headers ?? {})) {
			if (v !== undefined && v !== null) headers[k.toLowerCase()] = String(v);
		}
		let body: string | undefined;
		const hasBody =
			requestOptions.body !== undefined &&
			method !== 'GET' &&
			method !== 'HEAD' &&
			!(typeof requestOptions.body === 'object' && requestOptions.body !== null && Object.keys(requestOptions.body).length === 0);
		if (hasBody) {
			if (typeof requestOptions.body === 'string') body = requestOptions.body;
			else {
				body = JSON.stringify(requestOptions.body);
				headers['content-type'] ??= 'application/json';
			}
		}
		if (requestOptions.json) headers.accept ??= 'application/json';
		requests.push({ method, url, headers, body: body === undefined ? undefined : JSON.parse(body) });

		const response = await fetch(url, {
			method,
			headers,
			body,
			redirect: requestOptions.disableFollowRedirect ? 'manual' : 'follow',
			signal: AbortSignal.timeout(requestOptions.timeout ?? options.httpTimeoutMs ?? 10_000),
		});
		const text = await response.text();
		let parsed: unknown = text;
		if (text !== '') {
			try {
				parsed = JSON.parse(text); // axios parses JSON whatever the content type
			} catch {
				parsed = text;
			}
		}
		const responseHeaders: Record<string, string> = {};
		response.headers.forEach((value, key) => {
			responseHeaders[key] = value;
		});
		const ok = response.status >= 200 && response.status < 300;
		const ignore = requestOptions.ignoreHttpStatusErrors;
		const ignored =
			ignore === true ||
			(typeof ignore === 'object' && ignore !== null && ignore.ignore && !ignore.except.includes(response.status));
		if (!ok && !ignored) {
			throw Object.assign(new Error(`Request failed with status code ${response.status}`), {
				response: { status: response.status, data: parsed, headers: responseHeaders },
				httpCode: String(response.status),
			});
		}
		if (requestOptions.returnFullResponse) {
			return { body: parsed, headers: responseHeaders, statusCode: response.status, statusMessage: response.statusText };
		}
		return parsed;
	}

	const context = {
		getNode: () => node,
		getWorkflow: () => ({ id: options.workflowId ?? 'wf-test', name: 'Test workflow', active: true }),
		getMode: () => options.mode ?? 'trigger',
		getExecutionId: () => 'exec-1',
		getInputData: () => inputItems,
		continueOnFail: () => options.continueOnFail === true,
		getExecutionCancelSignal: () => undefined,
		logger,
		getWorkflowStaticData: (type: string) => (type === 'global' ? staticData : nodeStaticData),
		getNodeParameter(name: string, itemIndex: number, fallbackValue?: unknown) {
			const value = getPath(parametersFor(itemIndex), name);
			if (value !== undefined) return value;
			if (fallbackValue !== undefined) return fallbackValue;
			throw new NodeOperationError(node, `Could not get parameter "${name}"`, { itemIndex });
		},
		async getCredentials(type: string) {
			if (type !== credentialType.name || !credentials) {
				throw new NodeOperationError(node, `Node "${node.name}" does not have any credentials of type "${type}" set`);
			}
			return { ...credentials };
		},
		helpers: {
			async httpRequestWithAuthentication(
				this: unknown,
				credentialsType: string,
				requestOptions: IHttpRequestOptions,
			): Promise<unknown> {
				try {
					const data = await context.getCredentials(credentialsType);
					return await httpRequest(applyAuthentication(credentialType, data, requestOptions));
				} catch (error) {
					// n8n-core wraps every failure of this helper in a NodeApiError
					throw new NodeApiError(node, error as JsonObject);
				}
			},
			async httpRequest(requestOptions: IHttpRequestOptions) {
				return await httpRequest(requestOptions);
			},
			async checkProcessedAndRecord(items: Array<string | number>, scope: string, dedupeOptions: { mode: string; maxEntries?: number }) {
				if (dedupeOptions.mode !== 'entries') throw new Error('The test harness models only mode "entries"');
				await Promise.resolve(); // n8n reads and writes the database: never synchronous
				const key = processedData.key(String(options.workflowId ?? 'wf-test'), scope, node.id);
				return processedData.checkAndRecord(key, items, dedupeOptions.maxEntries);
			},
			async removeProcessed(items: Array<string | number>, scope: string) {
				await Promise.resolve();
				const key = processedData.key(String(options.workflowId ?? 'wf-test'), scope, node.id);
				const row = processedData.rows.get(key) ?? [];
				processedData.rows.set(key, row.filter((value) => !items.map(String).includes(value)));
			},
			returnJsonArray(data: IDataObject | IDataObject[]): INodeExecutionData[] {
				return (Array.isArray(data) ? data : [data]).map((json) => ({ json }));
			},
			constructExecutionMetaData(
				items: INodeExecutionData[],
				meta: { itemData: IPairedItemData | IPairedItemData[] },
			): INodeExecutionData[] {
				return items.map((item) => ({ ...item, pairedItem: meta.itemData }));
			},
		},
	};

	const strict = new Proxy(context, {
		get(target, prop, receiver) {
			if (typeof prop === 'symbol' || prop === 'then' || prop in target) return Reflect.get(target, prop, receiver);
			throw new Error(`The test harness does not implement IExecuteFunctions.${String(prop)}`);
		},
	}) as unknown as IExecuteFunctions;
	strict.helpers = new Proxy(context.helpers, {
		get(target, prop, receiver) {
			if (typeof prop === 'symbol' || prop === 'then' || prop in target) return Reflect.get(target, prop, receiver);
			throw new Error(`The test harness does not implement helpers.${String(prop)}`);
		},
	}) as unknown as IExecuteFunctions['helpers'];

	return {
		context: strict,
		requests,
		logs,
		staticData,
		node,
		run: async () => {
			const execute = options.nodeType.execute;
			if (!execute) throw new Error('The node has no execute()');
			return (await execute.call(strict)) as INodeExecutionData[][];
		},
	};
}
