/**
 * What every simulated API shares: errors written in each vendor's own format, opaque cursors,
 * strict parameter parsing, bodies read and JSON written without surprises.
 */
import type http from 'node:http';

import type { Entry, Key } from '../store';

/** The events API flavours; errors are written in each one's own format. */
export type Flavour = 'generic' | 'stripe' | 'square';

export class HttpError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly param?: string,
	) {
		super(message);
	}
}

export function errorBody(flavour: Flavour, err: HttpError): unknown {
	if (flavour === 'stripe') {
		const type = err.status >= 500 ? 'api_error' : 'invalid_request_error';
		return { error: { type, code: err.code, message: err.message, ...(err.param ? { param: err.param } : {}) } };
	}
	if (flavour === 'square') {
		const category =
			err.status === 401 ? 'AUTHENTICATION_ERROR' : err.status === 429 ? 'RATE_LIMIT_ERROR' : err.status >= 500 ? 'API_ERROR' : 'INVALID_REQUEST_ERROR';
		return { errors: [{ category, code: err.code, detail: err.message, ...(err.param ? { field: err.param } : {}) }] };
	}
	return { error: err.code, message: err.message };
}

/** Any failure as an HttpError (unexpected ones are a 500). */
export const asHttpError = (err: unknown): HttpError =>
	err instanceof HttpError ? err : new HttpError(500, 'internal_error', err instanceof Error ? err.message : String(err));

/** Opaque cursors: base64url JSON of the position and the query it belongs to. */
export const encodeCursor = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
export function decodeCursor<T>(cursor: string, flavour: Flavour): T {
	try {
		return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T;
	} catch {
		throw new HttpError(400, flavour === 'square' ? 'INVALID_CURSOR' : 'invalid_cursor', 'The cursor is not one this API returned');
	}
}

export function parseIso(value: string | null | undefined, name: string, flavour: Flavour): number | undefined {
	if (value === null || value === undefined || value === '') return undefined;
	const t = Date.parse(value);
	if (!Number.isFinite(t)) throw new HttpError(400, flavour === 'square' ? 'INVALID_TIME' : 'invalid_parameter', `${name} must be an ISO 8601 date`, name);
	return t;
}

export function parseLimit(raw: string | null | undefined, def: number, max: number, flavour: Flavour, strictMax: boolean): number {
	if (raw === null || raw === undefined || raw === '') return def;
	const n = Number(raw);
	if (!Number.isInteger(n) || n < 1 || (strictMax && n > max)) {
		throw new HttpError(
			400,
			flavour === 'stripe' ? 'parameter_invalid_integer' : flavour === 'square' ? 'INVALID_VALUE' : 'invalid_parameter',
			`limit must be an integer between 1 and ${max}`,
			'limit',
		);
	}
	return Math.min(n, max);
}

/** Stored bodies joined for a JSON list, without re-serialising them. */
export const joinBodies = (entries: readonly Entry[]) => entries.map((e) => e.event.body).join(',');

const MAX_BODY = 256 * 1024 * 1024;

export function readBody(req: http.IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		req.on('data', (c: Buffer) => {
			size += c.length;
			if (size > MAX_BODY) {
				reject(new HttpError(413, 'too_large', 'Body too large'));
				req.destroy();
			} else chunks.push(c);
		});
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

export function parseJson(text: string, flavour: Flavour): unknown {
	try {
		return text === '' ? {} : JSON.parse(text);
	} catch {
		throw new HttpError(400, flavour === 'square' ? 'BAD_REQUEST' : 'invalid_json', 'Body is not valid JSON');
	}
}

export function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	const text = typeof body === 'string' ? body : JSON.stringify(body);
	res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
	res.end(text);
}

/** The later / earlier of two optional keys. */
export const maxKey = (a: Key | undefined, b: Key): Key => (!a || b.t > a.t || (b.t === a.t && b.s > a.s) ? b : a);
export const minKey = (a: Key | undefined, b: Key): Key => (!a || b.t < a.t || (b.t === a.t && b.s < a.s) ? b : a);

export const asRecord = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
export const asStringArray = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);
