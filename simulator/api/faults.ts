/**
 * What stands in front of every simulated API call, in this order: request counting, latency,
 * the bearer token, then the armed faults (429s with Retry-After, then 5xx), as a real POS API
 * would fail.
 */
import type http from 'node:http';

import { HttpError, type Flavour } from './http';

export interface ApiFaults {
	/** Answer this many API requests with 429 + Retry-After before serving normally. */
	rateLimit?: number;
	/** Retry-After value in seconds. Default 1. */
	retryAfterSeconds?: number;
	/** Then answer this many API requests with a 5xx. */
	serverErrors?: number;
	/** Which 5xx. Default 503. */
	serverErrorStatus?: number;
}

export interface ApiStats {
	apiRequests: number;
	rateLimited: number;
	serverErrors: number;
	unauthorized: number;
	byRoute: Record<string, number>;
}

type ArmedFaults = Required<ApiFaults>;
export function armFaults(f: ApiFaults = {}): ArmedFaults {
	return {
		rateLimit: Math.max(0, Math.floor(f.rateLimit ?? 0)),
		retryAfterSeconds: f.retryAfterSeconds ?? 1,
		serverErrors: Math.max(0, Math.floor(f.serverErrors ?? 0)),
		serverErrorStatus: f.serverErrorStatus ?? 503,
	};
}

export class ApiGate {
	faults: ArmedFaults;
	readonly stats: ApiStats = { apiRequests: 0, rateLimited: 0, serverErrors: 0, unauthorized: 0, byRoute: {} };

	constructor(
		readonly apiToken: string,
		faults: ApiFaults | undefined,
		public latencyMs: number,
	) {
		this.faults = armFaults(faults);
	}

	count(route: string): void {
		this.stats.apiRequests++;
		this.stats.byRoute[route] = (this.stats.byRoute[route] ?? 0) + 1;
	}

	async delay(): Promise<void> {
		if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
	}

	/** Throws the vendor's 401, or an armed 429 (adding Retry-After to `extra`) or 5xx. */
	check(req: http.IncomingMessage, flavour: Flavour, extra: Record<string, string>): void {
		if (req.headers.authorization !== `Bearer ${this.apiToken}`) {
			this.stats.unauthorized++;
			const message =
				flavour === 'stripe' ? 'Invalid API Key provided.' : flavour === 'square' ? 'This request could not be authorized.' : 'Missing or wrong bearer token';
			throw new HttpError(401, flavour === 'square' ? 'UNAUTHORIZED' : flavour === 'stripe' ? 'invalid_api_key' : 'unauthorized', message);
		}
		const faults = this.faults;
		if (faults.rateLimit > 0) {
			faults.rateLimit--;
			this.stats.rateLimited++;
			extra['Retry-After'] = String(faults.retryAfterSeconds);
			throw new HttpError(429, flavour === 'square' ? 'RATE_LIMITED' : flavour === 'stripe' ? 'rate_limit' : 'rate_limited', 'Too many requests; retry after the Retry-After delay');
		}
		if (faults.serverErrors > 0) {
			faults.serverErrors--;
			this.stats.serverErrors++;
			throw new HttpError(faults.serverErrorStatus, flavour === 'square' ? 'SERVICE_UNAVAILABLE' : 'server_error', 'Simulated server error');
		}
	}
}
