/**
 * Builders for the JSON that `n8n import:credentials` and `n8n import:workflow` read: POS API
 * credentials and "POS Webhook Trigger -> HTTP Request (POST the item to a recorder)" workflows,
 * with the node type names users' exported workflows carry.
 */
import { randomBytes } from 'node:crypto';

import { PACKAGE_NAME } from './provision';

export const NODE_TYPES = {
	trigger: `${PACKAGE_NAME}.posWebhookTrigger`,
	pos: `${PACKAGE_NAME}.pos`,
	httpRequest: 'n8n-nodes-base.httpRequest',
} as const;

/** The webhook path of the trigger (its production URL is /webhook/<webhookId>/pos). */
export const TRIGGER_PATH = 'pos';

export type Provider = 'standardWebhooks' | 'stripe' | 'square' | 'shopify' | 'toast' | 'custom';

/** One entry of the array `n8n import:credentials --input` reads; `data` is plain, n8n encrypts it. */
export interface CredentialJson {
	id: string;
	name: string;
	type: string;
	data: Record<string, string>;
}

export interface WorkflowNodeJson {
	id: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	webhookId?: string;
	credentials?: Record<string, { id: string; name: string }>;
}

export interface WorkflowJson {
	id: string;
	name: string;
	active: false;
	nodes: WorkflowNodeJson[];
	connections: Record<string, { main: Array<Array<{ node: string; type: 'main'; index: number }>> }>;
	settings: Record<string, unknown>;
}

/** An n8n-style id: 16 letters and digits. */
export function n8nId(): string {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
	return Array.from(randomBytes(16), (b) => alphabet[b % alphabet.length]).join('');
}

/** A Standard Webhooks secret as vendors show it: whsec_ + base64 of 24 random bytes. */
export function randomWhsecSecret(): string {
	return `whsec_${randomBytes(24).toString('base64')}`;
}

export interface PosCredentialSpec {
	provider: Provider;
	signingSecret: string;
	previousSigningSecret?: string;
	apiToken?: string;
	baseUrl?: string;
	/** Fields of the custom provider (customSignatureHeader, customAlgorithm, ...). */
	custom?: Record<string, string>;
	id?: string;
	name?: string;
}

export function posCredential(spec: PosCredentialSpec): CredentialJson {
	return {
		id: spec.id ?? n8nId(),
		name: spec.name ?? `POS ${spec.provider} ${Math.random().toString(36).slice(2, 6)}`,
		type: 'posApi',
		data: {
			provider: spec.provider,
			signingSecret: spec.signingSecret,
			previousSigningSecret: spec.previousSigningSecret ?? '',
			apiToken: spec.apiToken ?? '',
			baseUrl: spec.baseUrl ?? '',
			...spec.custom,
		},
	};
}

/** Parameters of the POS Webhook Trigger node (see nodes/PosWebhookTrigger/description.ts). */
export interface TriggerParameters {
	events?: string;
	toleranceSeconds?: number;
	dedupe?: boolean;
	dedupeWindowHours?: number;
	notificationUrl?: string;
	options?: { includeHeaders?: boolean; removeFields?: string; maxLedgerEntries?: number };
}

export interface TriggerWorkflowSpec {
	credential: CredentialJson;
	/** Production URL becomes /webhook/<webhookId>/pos. Default: a random id. */
	webhookId?: string;
	/** When set, an HTTP Request node POSTs each item (`{{ $json }}`) here. Without it the workflow is the trigger alone. */
	recorderUrl?: string;
	trigger?: TriggerParameters;
	id?: string;
	name?: string;
}

export const TRIGGER_NODE_NAME = 'POS Webhook Trigger';
export const RECORD_NODE_NAME = 'Record Item';

export function triggerWorkflow(spec: TriggerWorkflowSpec): WorkflowJson {
	const webhookId = spec.webhookId ?? `e2e-${n8nId().toLowerCase()}`;
	const trigger: WorkflowNodeJson = {
		id: n8nId(),
		name: TRIGGER_NODE_NAME,
		type: NODE_TYPES.trigger,
		// The version new workflows get (static description: no expression evaluated per request).
		typeVersion: 2,
		position: [0, 0],
		webhookId,
		parameters: { ...(spec.trigger ?? {}) },
		credentials: { posApi: { id: spec.credential.id, name: spec.credential.name } },
	};
	const nodes = [trigger];
	const connections: WorkflowJson['connections'] = {};
	if (spec.recorderUrl) {
		nodes.push({
			id: n8nId(),
			name: RECORD_NODE_NAME,
			type: NODE_TYPES.httpRequest,
			typeVersion: 4.2,
			position: [260, 0],
			parameters: {
				method: 'POST',
				url: spec.recorderUrl,
				sendBody: true,
				specifyBody: 'json',
				jsonBody: '={{ $json }}',
				options: {},
			},
		});
		connections[TRIGGER_NODE_NAME] = { main: [[{ node: RECORD_NODE_NAME, type: 'main', index: 0 }]] };
	}
	return {
		id: spec.id ?? n8nId(),
		name: spec.name ?? `POS ${spec.credential.data.provider} e2e`,
		active: false,
		nodes,
		connections,
		settings: { executionOrder: 'v1' },
	};
}

/** Webhook paths (`<webhookId>/pos`) of every POS Webhook Trigger in these workflows. */
export function triggerPaths(workflows: readonly WorkflowJson[]): string[] {
	return workflows.flatMap((w) =>
		w.nodes.filter((n) => n.type === NODE_TYPES.trigger && n.webhookId).map((n) => `${n.webhookId}/${TRIGGER_PATH}`),
	);
}
