import type { IDataObject, INodeType, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { createExecuteContext, ProcessedDataTable } from './executeContext';

import type { PosCredentialData } from '../../nodes/shared/providers/types';

/**
 * A stand-in for n8n's webhook context with the behaviour that matters to the trigger: its own
 * copy of static data per request (as n8n loads one per request), a response object that
 * records what was written, parameters with defaults, and credentials loaded by id.
 */
export interface FakeRequest {
	headers: Record<string, string | string[] | undefined>;
	body: string | Buffer;
}

export interface FakeWebhookOptions {
	credential: PosCredentialData | (() => Promise<PosCredentialData>);
	credentialId?: string;
	parameters?: IDataObject;
	staticData?: IDataObject;
	workflowId?: string;
	mode?: 'webhook' | 'manual';
	webhookUrl?: string;
}

export interface FakeWebhookRun {
	ctx: IWebhookFunctions;
	response: { status?: number; body?: unknown; headers?: Record<string, string> };
	/** What n8n does after webhook() returned: writes its answer (or the client hangs up). */
	n8nAnswers(status: number, body?: unknown): void;
	clientHangsUp(): void;
	/** What the context was made with (webhookAsN8n starts the execution with the same). */
	options: FakeWebhookOptions;
	staticData: IDataObject;
	credentialLoads: () => number;
	logs: string[];
}

const DEFAULTS: IDataObject = {
	events: '*',
	toleranceSeconds: 300,
	dedupe: true,
	dedupeWindowHours: 72,
	notificationUrl: '',
	options: {},
};

export function fakeWebhookContext(request: FakeRequest, options: FakeWebhookOptions): FakeWebhookRun {
	const response: FakeWebhookRun['response'] = {};
	const staticData = options.staticData ?? {};
	const parameters = { ...DEFAULTS, ...(options.parameters ?? {}) };
	const logs: string[] = [];
	let loads = 0;
	const headers: Record<string, string | string[] | undefined> = {};
	for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
	const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'utf8');
	const listeners: Record<string, Array<() => void>> = {};
	const emit = (event: string) => {
		for (const listener of listeners[event]?.splice(0) ?? []) listener();
	};
	const res = {
		headersSent: false,
		statusCode: 200,
		status(code: number) {
			response.status = code;
			res.statusCode = code;
			return res;
		},
		setHeader(name: string, value: string) {
			response.headers = { ...(response.headers ?? {}), [name.toLowerCase()]: value };
			return res;
		},
		json(body: unknown) {
			response.body = body;
			res.headersSent = true;
			emit('finish');
			emit('close');
			return res;
		},
		once(event: string, listener: () => void) {
			(listeners[event] ??= []).push(listener);
			return res;
		},
	};
	const node = {
		id: 'node-1',
		name: 'POS Webhook Trigger',
		type: 'n8n-nodes-pos-webhooks.posWebhookTrigger',
		typeVersion: 1,
		position: [0, 0],
		parameters,
		credentials: { posApi: { id: options.credentialId ?? null, name: 'POS' } },
	};
	const ctx = {
		getRequestObject: () => ({ headers, rawBody, body: undefined }),
		getResponseObject: () => res,
		getNodeParameter: (name: string, fallback?: unknown) => (name in parameters ? parameters[name] : fallback),
		getCredentials: async () => {
			loads++;
			return typeof options.credential === 'function' ? await options.credential() : { ...options.credential };
		},
		getNode: () => node,
		getWorkflow: () => ({ id: options.workflowId ?? 'wf-1', name: 'Test', active: true }),
		getMode: () => options.mode ?? 'webhook',
		getWorkflowStaticData: () => staticData,
		getNodeWebhookUrl: () => options.webhookUrl ?? 'https://n8n.example.com/webhook/abc/pos',
		helpers: { returnJsonArray: (items: IDataObject[]) => items.map((json) => ({ json })) },
		logger: {
			error: (m: string) => logs.push(`error ${m}`),
			warn: (m: string) => logs.push(`warn ${m}`),
			info: () => undefined,
			debug: () => undefined,
		},
	};
	return {
		ctx: ctx as unknown as IWebhookFunctions,
		response,
		staticData,
		credentialLoads: () => loads,
		logs,
		n8nAnswers: (status, body) => {
			if (!res.headersSent) res.status(status).json(body);
		},
		clientHangsUp: () => emit('close'),
		options,
	};
}

/** What n8n would have saved: static data through JSON, as the database stores it. */
export function savedCopy(staticData: IDataObject): IDataObject {
	return JSON.parse(JSON.stringify(staticData)) as IDataObject;
}

/** n8n's processed-data table for webhookAsN8n: one per test process, it survives simulated restarts. */
export const n8nDatabase = new ProcessedDataTable();

/**
 * A delivery as n8n 2.41 handles it end to end: webhook(); when it returns workflowData for n8n to
 * answer, n8n registers the execution, sends the webhookResponse (200), then runs the execution,
 * whose first node is the trigger's execute() with the same static data. Returns webhook()'s result.
 */
export async function webhookAsN8n(node: INodeType, run: FakeWebhookRun): Promise<IWebhookResponseData> {
	const result = await node.webhook!.call(run.ctx);
	if (result.workflowData && result.noWebhookResponse !== true) {
		run.n8nAnswers(200, result.webhookResponse);
		const harness = createExecuteContext({
			nodeType: node,
			parameters: { ...DEFAULTS, ...(run.options.parameters ?? {}) } as never,
			mode: run.options.mode === 'manual' ? 'manual' : 'webhook',
			workflowId: run.options.workflowId ?? 'wf-1',
			staticData: run.staticData,
			inputItems: result.workflowData[0],
			processedData: n8nDatabase,
		});
		await harness.run();
	}
	return result;
}
