import type { IDataObject } from 'n8n-workflow';

import { eventFilter, removeFields, toEventItem, type PosEventItem } from '../shared/event';
import type { Ledger } from '../shared/ledger/Ledger';
import { isoTime, pathValue, text } from '../shared/providers/fields';
import type { InboundRequest } from '../shared/providers/types';
import type { SigningConfig } from '../shared/signingConfig';
import { assertTimestampFresh, replayKeysOf, WebhookRejection, type RejectReason } from '../shared/verification';

export interface DeliverySettings {
	events: string;
	toleranceSeconds: number;
	dedupe: boolean;
	dedupeWindowHours: number;
	includeHeaders: boolean;
	removeFields: readonly string[];
}

export type DeliveryResult =
	/** claimKeys: what the ledger claimed for it (the id, then replay keys); empty without dedupe. */
	| { kind: 'accepted'; item: PosEventItem; claimKeys: string[] }
	| { kind: 'duplicate'; id: string }
	/** recordKeys: with a deferred claim, the replay keys the caller must record (claimDelivery's first rule). */
	| { kind: 'ignored'; id: string; type: string | null; recordKeys?: string[] }
	| { kind: 'rejected'; status: 400 | 401; reason: RejectReason; message: string }
	/** Our own fault (a bug, not the request's): the node answers 503 so the POS retries. */
	| { kind: 'failed'; message: string };

/**
 * One delivery, from raw bytes to a decision. No n8n context and no I/O: the node class does
 * those, so this is what the tests and the benchmark exercise.
 *
 * Order matters: the signature is checked before the body is even parsed, for every provider
 * (verify() gets no parsed body: an unauthenticated sender learns nothing but 401 and costs one
 * HMAC), then freshness, then parsing, identity, the event filter and last the ledger, so that
 * only a verified, fresh, wanted event can claim an id. It never throws.
 */
export function processDelivery(
	request: InboundRequest,
	config: SigningConfig,
	settings: DeliverySettings,
	ledger: Ledger | undefined,
	nowMs: number,
	/**
	 * A store that claims asynchronously (the shared ledger in Redis): processDelivery counts
	 * rejections into it and claims nothing; 'accepted' carries the keys to claim atomically
	 * (a known replay key or id: duplicate, nothing claimed) and 'ignored' the replay keys to
	 * record, so that the caller applies claimDelivery's rules in one step of its own.
	 */
	deferred?: { count(outcome: string, by?: number): void },
): DeliveryResult {
	const { provider, credential, keys } = config;
	const counter = deferred ?? ledger;
	try {
		if (ledger?.damage?.unusable) {
			// Nothing safe can be done without knowing what was processed: the POS retries later.
			return { kind: 'failed', message: ledger.takeDamageNotice() ?? 'the saved ledger of this workflow cannot be read' };
		}
		if (ledger) recordTriggerSettings(ledger, settings);

		// --- Verification (before any parsing) ---
		const verified = provider.verify({ request, keys, credential });
		if (verified.signedTimestamp !== undefined) assertTimestampFresh(verified.signedTimestamp, settings.toleranceSeconds, nowMs);

		// --- Parsing, then what the signature covered must match what the body says ---
		const data = parseBody(request.rawBody) as IDataObject;
		for (const field of verified.signedBodyFields ?? []) {
			if (text(pathValue(data, field.path)) !== field.value) {
				throw new WebhookRejection('invalid_signature', 'Signature does not match');
			}
		}
		if (verified.signedTimestampPath !== undefined) {
			const signedTime = isoTime(pathValue(data, verified.signedTimestampPath));
			if (signedTime === undefined) throw new WebhookRejection('missing_timestamp', 'Missing timestamp');
			assertTimestampFresh(Date.parse(signedTime) / 1000, settings.toleranceSeconds, nowMs);
		}

		// --- Identity ---
		const identity = provider.identify(request, data, credential);
		if (provider.occurredAtIsSigned && identity.occurredAt) {
			// No delivery time is signed: the event's own time (inside the signed body) bounds
			// replays to what the ledger still remembers.
			const occurred = Date.parse(identity.occurredAt) / 1000;
			if (settings.toleranceSeconds > 0 && occurred - nowMs / 1000 > settings.toleranceSeconds) {
				throw new WebhookRejection('timestamp_in_future', 'Event time is too far in the future');
			}
			const maxAgeSeconds = settings.dedupeWindowHours * 3600;
			if (settings.dedupe && settings.toleranceSeconds > 0 && nowMs / 1000 - occurred > maxAgeSeconds) {
				throw new WebhookRejection('timestamp_too_old', 'Event is older than the dedupe window (a replay)');
			}
		}
		if (!identity.id) {
			if (provider.hasEventId || settings.dedupe) {
				throw new WebhookRejection('missing_event_id', 'No event ID in the request');
			}
		}
		const id = identity.id ?? '';
		const type = identity.type ?? null;
		// --- Filter and ledger (replay keys included) ---
		const claim: DeliveryClaim = {
			id,
			wanted: eventFilter(settings.events)(type),
			// When the id or the type travels outside the signed bytes, the request is also
			// remembered by its signature (see docs/architecture.md, "Replay keys").
			replayIds: identity.unsigned?.id || identity.unsigned?.type ? replayKeysOf(verified.match, keys) : [],
			typeUnsigned: identity.unsigned?.type === true,
		};
		const decision = settings.dedupe && ledger && !deferred ? claimDelivery(ledger, claim, nowMs) : claim.wanted ? 'accepted' : 'ignored';
		// Deferred: the caller counts 'accepted' or 'duplicate' once its claim answered.
		if (!(deferred && decision === 'accepted')) counter?.count(decision);
		if (decision === 'ignored') {
			if (deferred && settings.dedupe && claim.typeUnsigned && claim.replayIds.length > 0) {
				return { kind: 'ignored', id, type, recordKeys: [...claim.replayIds] };
			}
			return { kind: 'ignored', id, type };
		}
		if (decision === 'duplicate') return { kind: 'duplicate', id };

		if (settings.removeFields.length > 0) removeFields(data, settings.removeFields);
		identity.id = id;
		const item = toEventItem(identity as typeof identity & { id: string }, provider.id, data, new Date(nowMs).toISOString());
		if (settings.includeHeaders) item.headers = safeHeaders(request.headers, provider.secretHeaders(credential));
		const claimKeys = settings.dedupe && (ledger || deferred) ? [id, ...claim.replayIds] : [];
		return { kind: 'accepted', item, claimKeys };
	} catch (error) {
		if (error instanceof WebhookRejection) {
			counter?.count(`rejected.${error.reason}`);
			return { kind: 'rejected', status: error.status, reason: error.reason, message: error.message };
		}
		return { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
	}
}

/** What the ledger needs to decide on a verified, identified delivery. */
export interface DeliveryClaim {
	id: string;
	/** Whether Event Types selects it. */
	wanted: boolean;
	/** "signature:..." keys (replayKeysOf) when the id or the type is unsigned, else empty. */
	replayIds: readonly string[];
	typeUnsigned: boolean;
}

/**
 * The ledger's decision, check and record with no await in between (concurrent duplicates
 * cannot both pass). Whoever moves the claim elsewhere must keep the three rules below.
 * - Ignored with an unsigned type: the replay key is recorded, so the same signed bytes re-sent
 *   with a wanted type are a duplicate, not a new event.
 * - A known replay key is a duplicate and claims nothing: a flood of replays (any spelling, any
 *   new id) cannot evict real ids from the bounded ledger.
 * - Otherwise the id is claimed, then the replay key.
 */
export function claimDelivery(ledger: Ledger, claim: DeliveryClaim, nowMs: number): 'accepted' | 'duplicate' | 'ignored' {
	if (!claim.wanted) {
		if (claim.typeUnsigned) for (const replayId of claim.replayIds) ledger.claim(replayId, nowMs);
		return 'ignored';
	}
	if (claim.replayIds.some((replayId) => ledger.has(replayId, nowMs)) || !ledger.claim(claim.id, nowMs)) return 'duplicate';
	for (const replayId of claim.replayIds) ledger.claim(replayId, nowMs);
	return 'accepted';
}

/**
 * The settings the POS node must follow (window, event types, fields to remove, bound), written
 * into the ledger so that they are set in one place: the trigger.
 */
export function recordTriggerSettings(ledger: Ledger, settings: DeliverySettings): void {
	ledger.recordTriggerSettings({
		windowHours: settings.dedupeWindowHours,
		events: settings.events,
		removeFields: [...settings.removeFields],
		maxEntries: ledger.maxEntries,
		dedupe: settings.dedupe,
	});
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The (verified) body as a JSON object; a UTF-8 byte order mark before it is allowed. */
export function parseBody(rawBody: Buffer): object {
	const bytes = rawBody.subarray(0, 3).equals(UTF8_BOM) ? rawBody.subarray(3) : rawBody;
	let parsed: unknown;
	let valid = true;
	try {
		parsed = JSON.parse(bytes.toString('utf8'));
	} catch {
		valid = false;
	}
	if (!valid) throw new WebhookRejection('unparseable_body', 'Body is not valid JSON');
	if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
		throw new WebhookRejection('unparseable_body', 'Body is not a JSON object');
	}
	return parsed;
}

/** Headers a workflow may see: never signatures, secrets, cookies or authorization. */
const ALWAYS_HIDDEN = /signature|hmac|authorization|cookie|secret|token|api-key|apikey|auth/i;

export function safeHeaders(
	headers: Readonly<Record<string, string | string[] | undefined>>,
	secretHeaders: readonly string[],
): IDataObject {
	const out: IDataObject = {};
	for (const [name, value] of Object.entries(headers)) {
		if (value === undefined || secretHeaders.includes(name) || ALWAYS_HIDDEN.test(name)) continue;
		out[name] = value;
	}
	return out;
}
