import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError, sleep } from 'n8n-workflow';

/**
 * Retry timing shared by every POS API call. Module-level so tests (and the scale script) can
 * shorten it; the node itself only exposes the number of retries.
 */
export const retryTiming = {
	/** First backoff delay; doubles on every retry. */
	baseDelayMs: 500,
	/** Upper bound of one backoff delay. */
	maxDelayMs: 30_000,
	/** Upper bound of a wait asked for by Retry-After (a POS asking for an hour is not waited for). */
	maxRetryAfterMs: 60_000,
};

export const DEFAULT_MAX_RETRIES = 5;

export interface PosApiRequest {
	method: IHttpRequestMethods;
	/** Path below the API base URL, starting with "/". */
	path: string;
	qs?: IDataObject;
	body?: IDataObject;
	headers?: IDataObject;
}

export interface PosApiCallOptions {
	/** API base URL without a trailing slash. */
	baseUrl: string;
	itemIndex: number;
	maxRetries: number;
	/** What a 404 most likely means for this call, e.g. "check the order ID". */
	notFoundHint?: string;
}

interface FullResponse {
	statusCode: number;
	headers?: Record<string, unknown>;
	body?: unknown;
}

/**
 * One call to the POS API through the posApi credential (which adds "Authorization: Bearer").
 * Retries 429 (honouring Retry-After) and 5xx or network failures with capped exponential
 * backoff and jitter; any other non-2xx becomes a NodeApiError that says what to fix.
 * Returns the parsed JSON body.
 */
export async function posApiRequest(
	this: IExecuteFunctions,
	request: PosApiRequest,
	options: PosApiCallOptions,
): Promise<unknown> {
	const url = `${options.baseUrl}${request.path}`;
	const httpOptions: IHttpRequestOptions = {
		method: request.method,
		url,
		qs: request.qs,
		headers: { Accept: 'application/json', ...(request.headers ?? {}) },
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		// n8n follows redirects by default and re-sends the credential's Authorization header to
		// whatever origin the Location names (n8n-core 2.41, @n8n/backend-network getBeforeRedirectFn:
		// sendCredentialsOnCrossOriginRedirect defaults to true), and a token carried in any other
		// header (X-Shopify-Access-Token...) is re-sent by the HTTP client itself. So n8n must not follow
		// any redirect: followSameOriginRedirects below decides, hop by hop. The second flag is only a
		// second lock for n8n versions that honour it.
		disableFollowRedirect: true,
		sendCredentialsOnCrossOriginRedirect: false,
	};
	if (request.body !== undefined) httpOptions.body = request.body;

	const maxRetries = Math.max(0, Math.floor(options.maxRetries));
	for (let attempt = 0; ; attempt++) {
		let response: FullResponse | undefined;
		let failure: unknown;
		try {
			response = await followSameOriginRedirects(this, httpOptions, options);
		} catch (error) {
			if (error instanceof RedirectRefused) throw error.toNodeError(this, request, options);
			failure = error; // no HTTP answer at all: connection refused, reset, timeout, DNS
		}

		const status = response?.statusCode ?? 0;
		if (response && status >= 200 && status < 300) return parseBody(response.body);

		const retryable = response === undefined || status === 429 || status === 408 || status >= 500;
		if (retryable && attempt < maxRetries && !cancelled(this)) {
			await sleep(retryDelayMs(attempt, response));
			continue;
		}
		throw apiError(this, request, options, attempt + 1, response, failure);
	}
}

/** Same-origin redirects followed per request; more is a loop or a misconfigured API. */
export const MAX_SAME_ORIGIN_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** A redirect the node will not follow: to another origin (the token must not go there) or a loop. */
class RedirectRefused extends Error {
	constructor(
		readonly reason: 'crossOrigin' | 'tooMany',
		readonly status: number,
		/** Origin only: a Location's path or query may carry what is not ours to print. */
		readonly targetOrigin: string,
		readonly fromUrl: string,
	) {
		super(reason);
	}

	toNodeError(ctx: IExecuteFunctions, request: PosApiRequest, options: PosApiCallOptions): NodeApiError {
		const where = `${request.method} ${options.baseUrl}${request.path}`;
		const message =
			this.reason === 'crossOrigin'
				? `The POS API redirected the request to another site (${this.targetOrigin}) and the node did not follow, so the API token was not sent there: set the API Base URL in the POS API credential to the API's own address`
				: `The POS API kept redirecting the request (more than ${MAX_SAME_ORIGIN_REDIRECTS} times): check the API Base URL in the POS API credential`;
		return new NodeApiError(
			ctx.getNode(),
			{ redirectStatus: this.status, redirectTo: this.targetOrigin },
			{
				message,
				description: `${where}: ${this.fromUrl} answered HTTP ${this.status} with a redirect to ${this.targetOrigin}.`,
				httpCode: String(this.status),
				itemIndex: options.itemIndex,
			},
		);
	}
}

/**
 * Sends the request through the credential, following a redirect only when it stays on the origin
 * (scheme, host and port) of the API Base URL, where the token is meant to go. A redirect anywhere
 * else, including https to http on the same host, is refused before anything is sent there.
 */
async function followSameOriginRedirects(
	ctx: IExecuteFunctions,
	first: IHttpRequestOptions,
	options: PosApiCallOptions,
): Promise<FullResponse> {
	const apiOrigin = originOf(options.baseUrl);
	let hop: IHttpRequestOptions = { ...first };
	let currentUrl = first.url;
	for (let redirects = 0; ; redirects++) {
		const response = (await ctx.helpers.httpRequestWithAuthentication.call(ctx, 'posApi', {
			...hop,
			headers: { ...(hop.headers ?? {}) }, // the credential adds its header to this object
		})) as FullResponse;
		const location = headerValue(response?.headers, 'location');
		if (!response || !REDIRECT_STATUSES.has(response.statusCode) || location === undefined) return response;

		let target: URL;
		try {
			target = new URL(location, currentUrl);
		} catch {
			return response; // an unreadable Location: reported as the unexpected 3xx answer it is
		}
		if (apiOrigin === undefined || target.origin !== apiOrigin) {
			throw new RedirectRefused('crossOrigin', response.statusCode, target.origin, currentUrl);
		}
		if (redirects >= MAX_SAME_ORIGIN_REDIRECTS) {
			throw new RedirectRefused('tooMany', response.statusCode, target.origin, currentUrl);
		}
		// The Location is the whole next address (its own query included): the query is not re-added.
		hop = { ...hop, url: target.href, qs: undefined };
		const method = (hop.method ?? 'GET').toUpperCase();
		if (response.statusCode === 303 ? method !== 'GET' && method !== 'HEAD' : response.statusCode <= 302 && method === 'POST') {
			hop = { ...hop, method: 'GET', body: undefined }; // what browsers and n8n do for 303 (and 301/302 after POST)
		}
		currentUrl = target.href;
	}
}

function originOf(url: string): string | undefined {
	try {
		return new URL(url).origin;
	} catch {
		return undefined;
	}
}

/** Whether n8n is stopping this execution (then there is no point in retrying). */
function cancelled(ctx: IExecuteFunctions): boolean {
	return typeof ctx.getExecutionCancelSignal === 'function' && ctx.getExecutionCancelSignal()?.aborted === true;
}

/** Exponential backoff with jitter, or the server's Retry-After when it asks for longer. */
export function retryDelayMs(attempt: number, response?: FullResponse, nowMs = Date.now()): number {
	const exponential = Math.min(retryTiming.maxDelayMs, retryTiming.baseDelayMs * 2 ** attempt);
	const backoff = exponential / 2 + Math.random() * (exponential / 2);
	const retryAfter = parseRetryAfter(headerValue(response?.headers, 'retry-after'), nowMs);
	if (retryAfter === undefined) return backoff;
	return Math.min(retryTiming.maxRetryAfterMs, Math.max(retryAfter, 0));
}

/** Retry-After is either delay-seconds or an HTTP date. Undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | undefined {
	if (value === undefined) return undefined;
	const trimmed = value.trim();
	if (trimmed === '') return undefined;
	if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
	const date = Date.parse(trimmed);
	return Number.isFinite(date) ? Math.max(0, date - nowMs) : undefined;
}

function headerValue(headers: Record<string, unknown> | undefined, name: string): string | undefined {
	if (!headers) return undefined;
	for (const [key, value] of Object.entries(headers)) {
		if (key.toLowerCase() !== name) continue;
		if (Array.isArray(value)) return value.length > 0 ? String(value[0]) : undefined;
		return value === undefined || value === null ? undefined : String(value);
	}
	return undefined;
}

function parseBody(body: unknown): unknown {
	if (typeof body === 'string') {
		if (body.trim() === '') return {};
		try {
			return JSON.parse(body);
		} catch {
			return body;
		}
	}
	if (body instanceof Uint8Array) return parseBody(new TextDecoder().decode(body));
	return body ?? {};
}

/** The vendor's own words about the failure, from Stripe, Square or a generic error body. */
export function vendorMessage(body: unknown): string | undefined {
	const parsed = parseBody(body);
	if (typeof parsed === 'string') return parsed.trim().slice(0, 300) || undefined;
	if (parsed === null || typeof parsed !== 'object') return undefined;
	const b = parsed as IDataObject;
	const error = b.error;
	if (error && typeof error === 'object' && typeof (error as IDataObject).message === 'string') {
		return (error as IDataObject).message as string; // Stripe
	}
	if (Array.isArray(b.errors) && b.errors.length > 0) {
		return b.errors
			.map((e) => {
				if (e && typeof e === 'object') {
					const o = e as IDataObject;
					return [o.code, o.detail ?? o.message].filter((x) => typeof x === 'string' && x !== '').join(': ');
				}
				return String(e);
			})
			.filter((s) => s !== '')
			.join('; '); // Square
	}
	for (const key of ['message', 'error', 'detail', 'error_description']) {
		if (typeof b[key] === 'string' && b[key] !== '') return b[key] as string;
	}
	return undefined;
}

function apiError(
	ctx: IExecuteFunctions,
	request: PosApiRequest,
	options: PosApiCallOptions,
	attempts: number,
	response: FullResponse | undefined,
	failure: unknown,
): NodeApiError | NodeOperationError {
	const node = ctx.getNode();
	const where = `${request.method} ${options.baseUrl}${request.path}`;
	const tries = attempts > 1 ? ` after ${attempts} attempts` : '';

	if (response === undefined) {
		if (failure instanceof NodeOperationError) return failure; // e.g. no credential selected
		const reason = failure instanceof Error ? failure.message : String(failure);
		return new NodeApiError(
			node,
			{ error: reason },
			{
				message: `Could not reach the POS API${tries}: check the API Base URL in the POS API credential and that the POS API is up`,
				description: `${where} failed without an HTTP answer (${reason}).`,
				itemIndex: options.itemIndex,
			},
		);
	}

	const status = response.statusCode;
	const said = vendorMessage(response.body);
	const detail = `${where} answered HTTP ${status}${said ? `: ${said}` : ''}.`;
	const errorBody: JsonObject =
		response.body && typeof response.body === 'object' && !Array.isArray(response.body)
			? (response.body as JsonObject)
			: { body: typeof response.body === 'string' ? response.body.slice(0, 1000) : null };
	let message: string;
	if (status === 401 || status === 403) {
		message = `The POS API refused the API token (HTTP ${status}): check the API Token in the POS API credential and that it may read events and orders (Stripe: a restricted key with Events and PaymentIntents read; Square: a token with the needed scopes)`;
	} else if (status === 404) {
		message = `The POS API has nothing at this address (HTTP 404): ${options.notFoundHint ?? 'check the API Base URL in the POS API credential and the events path in API Options'}`;
	} else if (status === 429) {
		message = `The POS API kept rate-limiting the requests (HTTP 429)${tries}: run the reconciliation less often or raise Max Retries`;
	} else if (status >= 500 || status === 408) {
		message = `The POS API kept failing (HTTP ${status})${tries}: it seems to be down or overloaded, try again later`;
	} else if (status >= 400) {
		message = `The POS API rejected the request (HTTP ${status}): ${said ?? 'check the node parameters and the API Base URL'}`;
	} else {
		message = `The POS API gave an unexpected answer (HTTP ${status}): check the API Base URL in the POS API credential`;
	}
	return new NodeApiError(node, errorBody, {
		message,
		description: detail,
		httpCode: String(status),
		itemIndex: options.itemIndex,
	});
}
