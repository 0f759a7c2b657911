import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Why a request was refused. Every failure has a name (as in the Standard Webhooks library) so
 * the reply, the ledger statistics and the tests all speak of the same thing.
 */
export type RejectReason =
	| 'missing_signature'
	| 'invalid_signature'
	| 'missing_timestamp'
	| 'invalid_timestamp'
	| 'timestamp_too_old'
	| 'timestamp_in_future'
	| 'unparseable_body'
	| 'missing_event_id';

/** Reasons answered 401 (the sender could not prove who it is or when it sent). */
const UNAUTHORIZED: ReadonlySet<RejectReason> = new Set<RejectReason>([
	'missing_signature',
	'invalid_signature',
	'missing_timestamp',
	'invalid_timestamp',
	'timestamp_too_old',
	'timestamp_in_future',
]);

/** A request that must be refused. Its message is short and never holds a secret or a signature. */
export class WebhookRejection extends Error {
	readonly status: 400 | 401;

	constructor(
		readonly reason: RejectReason,
		message: string,
	) {
		super(message);
		this.name = 'WebhookRejection';
		this.status = UNAUTHORIZED.has(reason) ? 401 : 400;
	}
}

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';
export type SignatureEncoding = 'hex' | 'base64';

/** Signed content, possibly in parts (fed to the HMAC in order, never copied into one buffer). */
export type SignedPayload = Buffer | ReadonlyArray<Buffer | string>;

export function hmac(algorithm: HmacAlgorithm, key: Buffer, payload: SignedPayload): Buffer {
	const mac = createHmac(algorithm, key);
	if (Buffer.isBuffer(payload)) mac.update(payload);
	else for (const part of payload) mac.update(part); // strings are hashed as UTF-8
	return mac.digest();
}

/**
 * Decodes a signature as sent. Returns undefined for text that is not valid in the encoding, so
 * garbage is refused as a wrong signature rather than compared as bytes.
 *
 * Many texts decode to the same bytes (base64 without padding, base64url, other unused low bits
 * in the last character, upper-case hex). `strict` accepts only the one spelling the vendor sends
 * (standard, padded, canonical base64; lower-case hex): every other spelling is refused (401), so
 * a re-spelled copy of a captured request never even reaches the ledger. Whatever the spelling,
 * replay protection keys on the decoded bytes (see SignatureMatch), never on the header text.
 */
export function decodeSignature(text: string, encoding: SignatureEncoding, strict = false): Buffer | undefined {
	const trimmed = strict ? text : text.trim();
	if (trimmed === '') return undefined;
	if (encoding === 'hex') {
		if (trimmed.length % 2 !== 0 || !(strict ? /^[0-9a-f]+$/ : /^[0-9a-fA-F]+$/).test(trimmed)) return undefined;
		return Buffer.from(trimmed, 'hex');
	}
	if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return undefined;
	const bytes = Buffer.from(trimmed, 'base64');
	if (strict && bytes.toString('base64') !== trimmed) return undefined;
	return bytes;
}

/** One signature that verified: its decoded bytes (never the header text) and the key that made them. */
export interface VerifiedSignature {
	signature: Buffer;
	/** Index of the key that verified (0: current secret, 1: previous). */
	keyIndex: number;
}

/** Every signature of the request that verified (each once, in key order): the identity of the signed content. */
export interface SignatureMatch {
	verified: VerifiedSignature[];
}

/**
 * The signatures that sign the payload, if any. Every comparison is constant-time; lengths
 * differ only when a candidate is malformed, and digest length is public. Several keys cover
 * secret rotation; several candidates cover senders that sign with more than one secret at once
 * (Stripe, Standard Webhooks, a Custom POS during a rotation). Junk candidates never appear in
 * the match; every genuine one does, so dropping one of two genuine signatures from a captured
 * request still leaves a signature the ledger remembers.
 */
export function findSignatureMatch(
	algorithm: HmacAlgorithm,
	keys: readonly Buffer[],
	payload: SignedPayload,
	candidates: readonly Buffer[],
): SignatureMatch | undefined {
	if (candidates.length === 0) return undefined;
	const verified: VerifiedSignature[] = [];
	keys.forEach((key, keyIndex) => {
		const expected = hmac(algorithm, key, payload);
		let matched = false;
		for (const candidate of candidates) {
			// No early exit: the work done does not depend on which candidate matched.
			if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
		}
		if (matched) verified.push({ signature: expected, keyIndex });
	});
	return verified.length > 0 ? { verified } : undefined;
}

/** True when any key signs the payload to any of the candidate signatures (see findSignatureMatch). */
export function anySignatureMatches(
	algorithm: HmacAlgorithm,
	keys: readonly Buffer[],
	payload: SignedPayload,
	candidates: readonly Buffer[],
): boolean {
	return findSignatureMatch(algorithm, keys, payload, candidates) !== undefined;
}

/**
 * The replay keys of a verified request, one per verified signature: its bytes and the key that
 * made them. Equal for every spelling of a signature and for any junk candidates beside it.
 * Hashed (as every ledger id is) before they are stored; a key is represented by a digest.
 */
export function replayKeysOf(match: SignatureMatch, keys: readonly Buffer[]): string[] {
	return match.verified.map(({ signature, keyIndex }) => {
		const keyDigest = createHash('sha256').update(keys[keyIndex] ?? Buffer.alloc(0)).digest('base64').slice(0, 12);
		return `signature:${keyDigest}:${signature.toString('base64')}`;
	});
}

/**
 * Checks a signed timestamp (unix seconds) against the tolerance, in both directions: a stale
 * request may be a replay, one from the future a forged clock. Tolerance 0 disables the check.
 */
export function assertTimestampFresh(timestampSeconds: number, toleranceSeconds: number, nowMs: number): void {
	if (toleranceSeconds === 0) return;
	if (!(toleranceSeconds > 0)) toleranceSeconds = 300; // NaN or negative: fail closed, never open
	const skew = nowMs / 1000 - timestampSeconds;
	if (skew > toleranceSeconds) {
		throw new WebhookRejection('timestamp_too_old', 'Timestamp is older than the allowed tolerance');
	}
	if (skew < -toleranceSeconds) {
		throw new WebhookRejection('timestamp_in_future', 'Timestamp is too far in the future');
	}
}

/** Parses a unix-seconds header value strictly: digits only, nothing else. */
export function parseUnixSeconds(value: string | undefined): number {
	if (value === undefined || value === '') {
		throw new WebhookRejection('missing_timestamp', 'Missing timestamp');
	}
	if (!/^\d{1,12}$/.test(value.trim())) {
		throw new WebhookRejection('invalid_timestamp', 'Timestamp is not a unix time in seconds');
	}
	return Number(value.trim());
}
