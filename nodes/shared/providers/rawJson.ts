import { text } from './fields';

/**
 * Reads one scalar at a dot path ("data.timestamp") out of raw JSON text WITHOUT parsing the
 * body: it skips every other value (no objects are built, no recursion on nesting), so reading a
 * signed field before the signature is checked costs a forger no more than the HMAC itself.
 * Same answer as text(pathValue(JSON.parse(json), path)) for a well-formed body (the last of
 * duplicate keys wins, as in JSON.parse); undefined when absent, not a scalar, or malformed.
 * Whatever it returns is confirmed against the parsed body after the signature verified.
 */
export function scanJsonScalar(json: string, path: string): string | undefined {
	const segments = path.split('.').filter((p) => p !== '');
	if (segments.length === 0) return undefined;
	let i = skipWs(json, json.charCodeAt(0) === 0xfeff ? 1 : 0);
	for (const segment of segments) {
		let start: number | undefined;
		if (json[i] === '{') start = findMember(json, i, segment);
		else if (json[i] === '[' && /^(0|[1-9]\d{0,8})$/.test(segment)) start = findElement(json, i, Number(segment));
		if (start === undefined) return undefined;
		i = start;
	}
	const end = skipValue(json, i);
	if (end < 0 || json[i] === '{' || json[i] === '[') return undefined;
	try {
		return text(JSON.parse(json.slice(i, end)));
	} catch {
		return undefined;
	}
}

function skipWs(s: string, i: number): number {
	while (i < s.length) {
		const c = s.charCodeAt(i);
		if (c === 32 || c === 9 || c === 10 || c === 13) i++;
		else break;
	}
	return i;
}

/** s[i] is a quote: the index just after the closing quote, or -1. */
function stringEnd(s: string, i: number): number {
	for (i++; i < s.length; i++) {
		const c = s[i];
		if (c === '\\') i++;
		else if (c === '"') return i + 1;
	}
	return -1;
}

/** The index just after the value starting at i (after whitespace), or -1 when malformed. */
function skipValue(s: string, i: number): number {
	const c = s[i];
	if (c === '"') return stringEnd(s, i);
	if (c === '{' || c === '[') {
		let depth = 0;
		while (i < s.length) {
			const ch = s[i];
			if (ch === '"') {
				i = stringEnd(s, i);
				if (i < 0) return -1;
				continue;
			}
			if (ch === '{' || ch === '[') depth++;
			else if (ch === '}' || ch === ']') {
				depth--;
				if (depth === 0) return i + 1;
			}
			i++;
		}
		return -1;
	}
	let j = i;
	while (j < s.length && !/[\s,}\]]/.test(s[j])) j++;
	return j > i ? j : -1;
}

/** s[i] is "[": where element n starts, or undefined. */
function findElement(s: string, i: number, n: number): number | undefined {
	i = skipWs(s, i + 1);
	if (s[i] === ']') return undefined;
	for (let index = 0; ; index++) {
		if (index === n) return i;
		i = skipValue(s, i);
		if (i < 0) return undefined;
		i = skipWs(s, i);
		if (s[i] !== ',') return undefined;
		i = skipWs(s, i + 1);
	}
}

/** s[i] is "{": where the value of the LAST member named key starts, or undefined. */
function findMember(s: string, i: number, key: string): number | undefined {
	let found: number | undefined;
	i = skipWs(s, i + 1);
	if (s[i] === '}') return undefined;
	for (;;) {
		if (s[i] !== '"') return undefined;
		const keyEnd = stringEnd(s, i);
		if (keyEnd < 0) return undefined;
		const raw = s.slice(i + 1, keyEnd - 1);
		let name = raw;
		if (raw.includes('\\')) {
			try {
				name = JSON.parse(s.slice(i, keyEnd)) as string;
			} catch {
				return undefined;
			}
		}
		i = skipWs(s, keyEnd);
		if (s[i] !== ':') return undefined;
		i = skipWs(s, i + 1);
		if (name === key) found = i;
		i = skipValue(s, i);
		if (i < 0) return undefined;
		i = skipWs(s, i);
		if (s[i] === ',') {
			i = skipWs(s, i + 1);
			continue;
		}
		return s[i] === '}' ? found : undefined;
	}
}
