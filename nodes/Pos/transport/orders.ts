import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { EventsApiStyle } from './events';
import type { PosApiCallOptions } from './request';
import { posApiRequest } from './request';
import { SQUARE_VERSION } from './square';

/** How each API style looks one order (or payment) up by ID. */
interface OrderApi {
	path(id: string, orderPath: string): string;
	headers?: IDataObject;
	/** The object itself, out of the answer. */
	unwrap(body: unknown): unknown;
}

const asIs = (body: unknown) => body;

/**
 * An order id as exactly one path segment. encodeURIComponent already turns "/" into %2F, but
 * "." and ".." stay as they are and would be resolved by the URL parser (a request to another
 * path on the same host, with the token). The node is an AI-agent tool: ids may come from a model.
 */
export function orderIdSegment(id: string): string {
	const problem = orderIdProblem(id);
	if (problem !== undefined) throw new InvalidOrderIdError(problem);
	return encodeURIComponent(id);
}

/** Why an id cannot be one path segment, or undefined when it can. */
export function orderIdProblem(id: string): string | undefined {
	if (id === '.' || id === '..' || /[/\\?#]/.test(id) || /[\u0000-\u001f\u007f]/.test(id)) {
		return `"${id.slice(0, 60)}" is not an order ID: an ID cannot be "." or ".." or contain slashes, "?", "#" or control characters`;
	}
	return undefined;
}

export class InvalidOrderIdError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'InvalidOrderIdError';
	}
}

export const ORDER_APIS: Readonly<Record<EventsApiStyle, OrderApi>> = {
	// Stripe Terminal and Checkout payments are PaymentIntents (pi_...).
	stripe: { path: (id) => `/v1/payment_intents/${orderIdSegment(id)}`, unwrap: asIs },
	square: {
		path: (id) => `/v2/orders/${orderIdSegment(id)}`,
		headers: { 'Square-Version': SQUARE_VERSION },
		unwrap: (body) => (body && typeof body === 'object' && 'order' in body ? (body as IDataObject).order : body),
	},
	generic: {
		path: (id, orderPath) => {
			const template = orderPath.startsWith('/') ? orderPath : `/${orderPath}`;
			const encoded = orderIdSegment(id);
			if (/\{(orderId|id)\}/.test(template)) return template.replace(/\{(orderId|id)\}/g, encoded);
			return `${template.replace(/\/+$/, '')}/${encoded}`;
		},
		unwrap: asIs,
	},
};

export async function getOrder(
	ctx: IExecuteFunctions,
	style: EventsApiStyle,
	id: string,
	orderPath: string,
	call: PosApiCallOptions,
): Promise<unknown> {
	const api = ORDER_APIS[style];
	const body = await posApiRequest.call(
		ctx,
		{ method: 'GET', path: api.path(id, orderPath), headers: api.headers },
		{ ...call, notFoundHint: 'check the order ID (and, if every lookup fails, the API Base URL in the POS API credential and the Order Path in API Options)' },
	);
	return api.unwrap(body);
}
