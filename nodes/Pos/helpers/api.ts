import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { getProvider } from '../../shared/providers/registry';
import type { PosCredentialData, PosProvider } from '../../shared/providers/types';
import type { EventsApiAdapter, EventsApiStyle, GenericApiSettings, PosApiCallOptions } from '../transport';
import { DEFAULT_GENERIC_SETTINGS, DEFAULT_MAX_PAGES, DEFAULT_MAX_RETRIES, EVENTS_APIS } from '../transport';

/** The credential, its provider and the API base URL, read once per item. */
export interface PosApiSetup {
	credential: PosCredentialData;
	provider: PosProvider;
	/** Without a trailing slash. */
	baseUrl: string;
}

/** What to do instead, for providers without an events API this node can read. */
const NO_EVENTS_API_ADVICE: Record<string, string> = {
	shopify:
		"The POS Webhook Trigger still drops Shopify's retries as duplicates. To catch up on orders, list them with n8n's Shopify node (Order > Get Many, filtered by Updated After) and send their IDs through the workflow.",
	toast:
		"The POS Webhook Trigger still drops Toast's retries as duplicates. To catch up on orders, call Toast's ordersBulk API (startDate/endDate) with an HTTP Request node and send the orders through the workflow.",
};

export async function loadPosApi(ctx: IExecuteFunctions, itemIndex: number): Promise<PosApiSetup> {
	const credential = (await ctx.getCredentials('posApi', itemIndex)) as unknown as PosCredentialData;
	const provider = getProvider(String(credential?.provider ?? ''));
	if (!provider) {
		throw new NodeOperationError(ctx.getNode(), `Unknown provider "${String(credential?.provider)}" in the POS API credential`, {
			description: 'Open the POS API credential and pick your POS in the Provider list',
			itemIndex,
		});
	}
	const baseUrl = (credential.baseUrl?.trim() || provider.api.baseUrl).replace(/\/+$/, '');
	return { credential, provider, baseUrl };
}

/** The base URL is needed only when the API is called: checked then, with a message that says what to fill in. */
export function requireBaseUrl(ctx: IExecuteFunctions, api: PosApiSetup, itemIndex: number): string {
	if (api.baseUrl === '') {
		throw new NodeOperationError(ctx.getNode(), `Set the API Base URL in the POS API credential: ${api.provider.displayName} has no public API address`, {
			description: "Enter the base URL of your POS's API (for example https://pos.example.com/api), the one that serves GET /events.",
			itemIndex,
		});
	}
	if (!/^https?:\/\/[^/]/i.test(api.baseUrl)) {
		throw new NodeOperationError(ctx.getNode(), `The API Base URL in the POS API credential is not an http(s) address: "${api.baseUrl}"`, {
			itemIndex,
		});
	}
	return api.baseUrl;
}

/** The provider's events API style, or a clear error naming what to do instead. */
export function eventsStyleOf(ctx: IExecuteFunctions, api: PosApiSetup, itemIndex: number, what: string): EventsApiStyle {
	const style = api.provider.eventsApi;
	if (style === undefined) {
		throw new NodeOperationError(
			ctx.getNode(),
			`${api.provider.displayName} has no events or orders API this node can read, so ${what} is not available for it`,
			{
				description:
					NO_EVENTS_API_ADVICE[api.provider.id] ??
					"Rely on the POS's own webhook retries (the POS Webhook Trigger drops duplicates), or fetch missed orders with an HTTP Request node.",
				itemIndex,
			},
		);
	}
	return style;
}

export function eventsAdapterFor(style: EventsApiStyle): EventsApiAdapter {
	return EVENTS_APIS[style];
}

/** The API Options collection, with defaults for what is not set. */
export interface ApiOptions {
	maxRetries: number;
	pageSize: number;
	/** Bound on the pages of one listing (Get Many, Reconcile). */
	maxPages: number;
	generic: GenericApiSettings;
	orderPath: string;
}

export const DEFAULT_PAGE_SIZE = 100;
export const DEFAULT_ORDER_PATH = '/orders/{orderId}';

export function readApiOptions(ctx: IExecuteFunctions, itemIndex: number): ApiOptions {
	const o = ctx.getNodeParameter('apiOptions', itemIndex, {}) as IDataObject;
	const str = (key: keyof GenericApiSettings) =>
		typeof o[key] === 'string' ? (o[key] as string).trim() : DEFAULT_GENERIC_SETTINGS[key];
	const maxRetries = o.maxRetries === undefined ? DEFAULT_MAX_RETRIES : Number(o.maxRetries);
	const pageSize = o.pageSize === undefined ? DEFAULT_PAGE_SIZE : Number(o.pageSize);
	if (!Number.isFinite(maxRetries) || maxRetries < 0) {
		throw new NodeOperationError(ctx.getNode(), 'Max Retries must be 0 or more', { itemIndex });
	}
	if (!Number.isFinite(pageSize) || pageSize < 1) {
		throw new NodeOperationError(ctx.getNode(), 'Page Size must be 1 or more', { itemIndex });
	}
	const maxPages = o.maxPages === undefined ? DEFAULT_MAX_PAGES : Number(o.maxPages);
	if (!Number.isFinite(maxPages) || maxPages < 1) {
		throw new NodeOperationError(ctx.getNode(), 'Max Pages must be 1 or more', { itemIndex });
	}
	const generic: GenericApiSettings = {
		eventsPath: str('eventsPath') || DEFAULT_GENERIC_SETTINGS.eventsPath,
		eventsField: str('eventsField'),
		nextCursorField: str('nextCursorField'),
		idField: str('idField') || DEFAULT_GENERIC_SETTINGS.idField,
		typeField: str('typeField'),
		timeField: str('timeField'),
		payloadField: str('payloadField'),
	};
	const orderPath = typeof o.orderPath === 'string' && o.orderPath.trim() !== '' ? o.orderPath.trim() : DEFAULT_ORDER_PATH;
	return { maxRetries: Math.floor(maxRetries), pageSize: Math.floor(pageSize), maxPages: Math.floor(maxPages), generic, orderPath };
}

export function callOptions(baseUrl: string, options: ApiOptions, itemIndex: number): PosApiCallOptions {
	return { baseUrl, itemIndex, maxRetries: options.maxRetries };
}
