import type { IDataObject } from 'n8n-workflow';

import { eventFilter, removeFields, toEventItem, type PosEventItem } from '../shared/event';
import type { Ledger } from '../shared/ledger/Ledger';
import type { BodyReader, InboundRequest } from '../shared/providers/types';
import type { SigningConfig } from '../shared/signingConfig';
import { assertTimestampFresh, WebhookRejection, type RejectReason } from '../shared/verification';

export interface DeliverySettings {
	events: string;
	toleranceSeconds: number;
	dedupe: boolean;
	dedupeWindowHours: number;
	includeHeaders: boolean;
	removeFields: readonly string[];
}

export type DeliveryResult =
	| { kind: 'accepted'; item: PosEventItem }
	| { kind: 'duplicate'; id: string }
	| { kind: 'ignored'; id: string; type: string | null }
	| { kind: 'rejected'; status: 400 | 401; reason: RejectReason; message: string }
	/** Our own fault (a bug, not the request's): the node answers 503 so the POS retries. */
	| { kind: 'failed'; message: string };

/**
 * One delivery, from raw bytes to a decision. No n8n context and no I/O: the node class does
 * those, so this is what the tests and the benchmark exercise.
 *
 * Order matters: the signature is checked before the body is even parsed (an unauthenticated
 * sender learns nothing but 401), then freshness, then parsing, identity, the event filter and
 * last the ledger, so that only a verified, fresh, wanted event can claim an id. It never throws.
 */
export function processDelivery(
	request: InboundRequest,
	config: SigningConfig,
	settings: DeliverySettings,
	ledger: Ledger | undefined,
	nowMs: number,
): DeliveryResult {
	const { provider, credential, keys } = config;
	let parsed: unknown;
	let parseError: WebhookRejection | undefined;
	let parsedOnce = false;
	const body: BodyReader = () => {
		if (!parsedOnce) {
			parsedOnce = true;
			try {
				parsed = JSON.parse(request.rawBody.toString('utf8'));
			} catch {
				parseError = new WebhookRejection('unparseable_body', 'Body is not valid JSON');
			}
			if (parseError === undefined && (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))) {
				parseError = new WebhookRejection('unparseable_body', 'Body is not a JSON object');
			}
		}
		if (parseError) throw parseError;
		return parsed;
	};

	try {
		const { signedTimestamp } = provider.verify({ request, keys, credential, body });
		if (signedTimestamp !== undefined) assertTimestampFresh(signedTimestamp, settings.toleranceSeconds, nowMs);

		const data = body() as IDataObject;
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

		if (!eventFilter(settings.events)(type)) {
			ledger?.count('ignored');
			return { kind: 'ignored', id, type };
		}

		if (settings.dedupe && ledger) {
			// Check and record with no await in between: concurrent duplicates cannot both pass.
			const replay = provider.replayKey?.(request, credential);
			const replayId = replay === undefined ? undefined : `signature:${replay}`;
			if ((replayId !== undefined && ledger.has(replayId, nowMs)) || !ledger.claim(id, nowMs)) {
				ledger.count('duplicate');
				return { kind: 'duplicate', id };
			}
			if (replayId !== undefined) ledger.claim(replayId, nowMs);
		}
		ledger?.count('accepted');

		if (settings.removeFields.length > 0) removeFields(data, settings.removeFields);
		identity.id = id;
		const item = toEventItem(identity as typeof identity & { id: string }, provider.id, data, new Date(nowMs).toISOString());
		if (settings.includeHeaders) item.headers = safeHeaders(request.headers, provider.secretHeaders(credential));
		return { kind: 'accepted', item };
	} catch (error) {
		if (error instanceof WebhookRejection) {
			ledger?.count(`rejected.${error.reason}`);
			return { kind: 'rejected', status: error.status, reason: error.reason, message: error.message };
		}
		return { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
	}
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
