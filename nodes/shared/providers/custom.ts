import type { HmacAlgorithm, SignatureEncoding } from '../verification';
import { decodeSignature, findSignatureMatch, WebhookRejection } from '../verification';
import { bodyPathOf, header, headerNameOf, isoTime, pathValue, text, utf8Key } from './fields';
import { scanJsonScalar } from './rawJson';
import type { BodyReader, InboundRequest, PosCredentialData, PosProvider, SignedBodyField, VerifyOutcome } from './types';

/**
 * Any HMAC scheme described by the credential: header, algorithm, encoding, optional prefix,
 * a signed-payload template and where the timestamp, id, type and location are.
 * Locations read "header:<name>" or "body:<dot.path>" (a bare path means the body).
 */
export const DEFAULT_CUSTOM = {
	signatureHeader: 'x-signature',
	algorithm: 'sha256' as HmacAlgorithm,
	encoding: 'hex' as SignatureEncoding,
	signedPayload: '{body}',
	eventIdLocation: 'body:id',
	eventTypeLocation: 'body:type',
};

const ALGORITHMS: readonly string[] = ['sha1', 'sha256', 'sha512'];

type Part = { literal: Buffer } | { field: 'body' | 'timestamp' | 'id' | 'url' };
const templateCache = new Map<string, Part[]>();

/** Splits "{timestamp}.{body}" into literal bytes and fields, once per template. */
export function parseTemplate(template: string): Part[] {
	const cached = templateCache.get(template);
	if (cached) return cached;
	const parts: Part[] = [];
	const re = /\{(body|timestamp|id|url)\}/g;
	let last = 0;
	for (let m = re.exec(template); m !== null; m = re.exec(template)) {
		if (m.index > last) parts.push({ literal: Buffer.from(template.slice(last, m.index), 'utf8') });
		parts.push({ field: m[1] as 'body' | 'timestamp' | 'id' | 'url' });
		last = m.index + m[0].length;
	}
	if (last < template.length) parts.push({ literal: Buffer.from(template.slice(last), 'utf8') });
	if (templateCache.size > 100) templateCache.clear();
	templateCache.set(template, parts);
	return parts;
}

/** Reads "header:x-id", "body:data.id" or "data.id". Throws (400) only when the body must be read and is not JSON. */
export function readLocation(location: string | undefined, request: InboundRequest, body: BodyReader): string | undefined {
	if (!location) return undefined;
	const headerName = headerNameOf(location);
	if (headerName !== undefined) return header(request.headers, headerName);
	return text(pathValue(body(), bodyPathOf(location)));
}

function settings(credential: PosCredentialData) {
	const algorithm = (credential.customAlgorithm || DEFAULT_CUSTOM.algorithm).toLowerCase();
	return {
		header: (credential.customSignatureHeader || DEFAULT_CUSTOM.signatureHeader).trim().toLowerCase(),
		algorithm: (ALGORITHMS.includes(algorithm) ? algorithm : DEFAULT_CUSTOM.algorithm) as HmacAlgorithm,
		encoding: (credential.customEncoding === 'base64' ? 'base64' : 'hex') as SignatureEncoding,
		prefix: credential.customSignaturePrefix ?? '',
		template: credential.customSignedPayload || DEFAULT_CUSTOM.signedPayload,
		timestamp: credential.customTimestampLocation,
		id: credential.customEventIdLocation ?? DEFAULT_CUSTOM.eventIdLocation,
		type: credential.customEventTypeLocation ?? DEFAULT_CUSTOM.eventTypeLocation,
		location: credential.customLocationIdLocation,
	};
}

/** Signatures from the header: one or several separated by spaces (or commas when the prefix has none). */
function candidatesFrom(value: string, prefix: string, encoding: SignatureEncoding): Buffer[] {
	const separator = prefix.includes(',') ? /\s+/ : /[\s,]+/;
	const out: Buffer[] = [];
	for (const raw of value.split(separator)) {
		if (raw === '') continue;
		if (prefix && !raw.startsWith(prefix)) continue;
		const decoded = decodeSignature(raw.slice(prefix.length), encoding);
		if (decoded) out.push(decoded);
	}
	return out;
}

/** Converts a timestamp as sent (seconds, milliseconds or ISO 8601) to unix seconds. */
function toUnixSeconds(value: string): number {
	const iso = isoTime(value);
	if (!iso) throw new WebhookRejection('invalid_timestamp', 'Timestamp is not a unix time or an ISO 8601 date');
	return Date.parse(iso) / 1000;
}

export const custom: PosProvider = {
	id: 'custom',
	displayName: 'Custom HMAC',
	description: 'Any other POS that signs with an HMAC: describe its scheme in the credential',
	secretHeaders: (credential) => [settings(credential).header],
	hasEventId: true,
	occurredAtIsSigned: false,
	setupHint:
		"Register this node's production URL in your POS and describe how it signs in the credential (header, algorithm, encoding, prefix, signed payload).",

	eventsApi: 'generic',
	api: { baseUrl: '', testPath: '/events?limit=1' },

	keyFromSecret: utf8Key,

	verify({ request, keys, credential }) {
		const s = settings(credential);
		const value = header(request.headers, s.header);
		if (!value) throw new WebhookRejection('missing_signature', `Missing ${s.header} header`);
		const parts = parseTemplate(s.template);
		// Body fields the template signs are read from the raw text (never parsed before the
		// signature is checked). An absent field is signed as empty: the answer is the same 401
		// whether the field is missing or the signature wrong, so a forger learns nothing.
		let rawText: string | undefined;
		const signedBodyFields: SignedBodyField[] = [];
		const signedField = (location: string | undefined): string | undefined => {
			if (!location) return undefined;
			const headerName = headerNameOf(location);
			if (headerName !== undefined) return header(request.headers, headerName);
			rawText ??= request.rawBody.toString('utf8');
			const path = bodyPathOf(location);
			const found = scanJsonScalar(rawText, path);
			signedBodyFields.push({ path, value: found });
			return found;
		};
		const signsTimestamp = parts.some((p) => 'field' in p && p.field === 'timestamp');
		const timestamp = signsTimestamp ? signedField(s.timestamp) : undefined;
		if (signsTimestamp && !timestamp && headerNameOf(s.timestamp) !== undefined) {
			// A missing header tells the sender nothing it did not know (a body field would).
			throw new WebhookRejection('missing_timestamp', 'Missing timestamp');
		}
		const id = parts.some((p) => 'field' in p && p.field === 'id') ? signedField(s.id) : undefined;
		const chunks: Buffer[] = [];
		for (const part of parts) {
			if ('literal' in part) chunks.push(part.literal);
			else if (part.field === 'body') chunks.push(request.rawBody);
			else if (part.field === 'timestamp') chunks.push(Buffer.from(timestamp ?? '', 'utf8'));
			else if (part.field === 'url') chunks.push(Buffer.from(request.notificationUrl, 'utf8'));
			else chunks.push(Buffer.from(id ?? '', 'utf8'));
		}
		const candidates = candidatesFrom(value, s.prefix, s.encoding);
		const match = findSignatureMatch(s.algorithm, keys, chunks, candidates);
		if (!match) throw new WebhookRejection('invalid_signature', 'Signature does not match');
		const outcome: VerifyOutcome = { match };
		if (signedBodyFields.length > 0) outcome.signedBodyFields = signedBodyFields;
		if (signsTimestamp) {
			// Authenticated from here on: saying what is wrong no longer helps a forger.
			if (!timestamp) throw new WebhookRejection('missing_timestamp', 'Missing timestamp');
			outcome.signedTimestamp = toUnixSeconds(timestamp);
		} else if (s.timestamp && headerNameOf(s.timestamp) === undefined) {
			// A body timestamp the template does not name is still signed (inside {body}): read it
			// once the verified body is parsed.
			outcome.signedTimestampPath = bodyPathOf(s.timestamp);
		}
		return outcome;
	},

	validate(credential) {
		const s = settings(credential);
		const fields = parseTemplate(s.template).flatMap((p) => ('field' in p ? [p.field] : []));
		if (!fields.includes('body')) return 'Signed Payload must contain {body}: an unsigned body could be anything';
		if (fields.includes('timestamp') && !s.timestamp) return 'Signed Payload uses {timestamp}: set Timestamp Location to where the POS sends it';
		if (headerNameOf(s.timestamp) !== undefined && !fields.includes('timestamp')) {
			return 'Timestamp Location is a header that is not signed (anyone could change it): add {timestamp} to Signed Payload, or clear Timestamp Location';
		}
		return undefined;
	},

	identify(request, body, credential) {
		const s = settings(credential);
		const reader = () => body;
		const timestamp = readLocation(s.timestamp, request, reader);
		const signed = new Set(parseTemplate(s.template).flatMap((p) => ('field' in p ? [p.field] : [])));
		const idUnsigned = headerNameOf(s.id) !== undefined && !signed.has('id');
		const typeUnsigned = headerNameOf(s.type) !== undefined;
		return {
			id: readLocation(s.id, request, reader),
			type: readLocation(s.type, request, reader),
			occurredAt: timestamp === undefined ? undefined : isoTime(timestamp),
			locationId: readLocation(s.location, request, reader),
			unsigned: idUnsigned || typeUnsigned ? { id: idUnsigned, type: typeUnsigned } : undefined,
		};
	},
};
