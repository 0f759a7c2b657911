/** Small readers shared by the provider files: headers, body paths and times. */

export function header(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
	const value = headers[name];
	if (Array.isArray(value)) return value.join(',');
	return value;
}

/** Reads a dot path ("data.object.id") from a parsed JSON value; undefined when absent. */
export function pathValue(value: unknown, path: string): unknown {
	let current: unknown = value;
	for (const key of path.split('.')) {
		if (key === '') continue;
		if (current === null || typeof current !== 'object') return undefined;
		current = (current as Record<string, unknown>)[key];
	}
	return current;
}

/** A scalar as text (ids may arrive as numbers); undefined for objects, empty strings and null. */
export function text(value: unknown): string | undefined {
	if (typeof value === 'string') return value === '' ? undefined : value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return undefined;
}

/**
 * Normalises a time to ISO 8601. Accepts unix seconds, unix milliseconds (13 digits) and
 * date strings; undefined for anything unreadable.
 */
const CANONICAL_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

export function isoTime(value: unknown): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	if (typeof value === 'string' && CANONICAL_ISO.test(value)) return value; // already normalised: skip the Date round trip
	let ms: number;
	if (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value))) {
		const n = Number(value);
		ms = n >= 1e12 ? n : n * 1000;
	} else if (typeof value === 'string') {
		ms = Date.parse(value);
	} else {
		return undefined;
	}
	if (!Number.isFinite(ms)) return undefined;
	const date = new Date(ms);
	return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export const utf8Key = (secret: string): Buffer => Buffer.from(secret, 'utf8');

/** Where a field lives, as the Custom provider and the POS node write it: "header:<name>" or "body:<path>". */
/** The lower-case header name of a "header:<name>" location; undefined for body locations. */
export function headerNameOf(location: string | undefined): string | undefined {
	const trimmed = location?.trim() ?? '';
	return trimmed.toLowerCase().startsWith('header:') ? trimmed.slice(7).trim().toLowerCase() : undefined;
}

/** The dot path of a body location ("body:data.id" or "data.id"). */
export function bodyPathOf(location: string): string {
	const trimmed = location.trim();
	return (trimmed.toLowerCase().startsWith('body:') ? trimmed.slice(5) : trimmed).trim();
}
