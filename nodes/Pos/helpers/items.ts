import { toEventItem, type PosEventItem } from '../../shared/event';
import { headerNameOf } from '../../shared/providers/fields';
import type { InboundRequest, PosCredentialData, PosProvider } from '../../shared/providers/types';
import type { ListedEvent } from '../transport';

const NO_BODY = Buffer.alloc(0);

/**
 * The headers the webhook would have carried, for providers that read the event id, type or
 * time from headers: Standard Webhooks (webhook-id, webhook-timestamp) and any "header:<name>"
 * location of a Custom credential. Providers that read only the body ignore them.
 */
function headersFor(listed: ListedEvent, credential: PosCredentialData): Record<string, string> {
	const headers: Record<string, string> = {};
	const put = (name: string, value: string | undefined) => {
		if (value !== undefined && name !== '') headers[name.toLowerCase()] = value;
	};
	const unix = listed.occurredAt ? String(Math.floor(Date.parse(listed.occurredAt) / 1000)) : undefined;
	put('webhook-id', listed.id);
	put('webhook-timestamp', unix);
	const locations: Array<[string | undefined, string | undefined]> = [
		[credential.customEventIdLocation, listed.id],
		[credential.customEventTypeLocation, listed.type],
		[credential.customTimestampLocation, listed.occurredAt],
	];
	for (const [location, value] of locations) put(headerNameOf(location) ?? '', value);
	return headers;
}

/**
 * A listed event in exactly the shape the POS Webhook Trigger emits for the same event: the
 * provider's own identify() decides id, type, time and location, as it does for the webhook,
 * so both paths key the ledger with the same id. What the listing says fills the gaps.
 * Undefined when the event has no id at all (it could not be de-duplicated).
 */
export function listedToItem(
	listed: ListedEvent,
	provider: PosProvider,
	credential: PosCredentialData,
	receivedAt: string,
): PosEventItem | undefined {
	const request: InboundRequest = { headers: headersFor(listed, credential), rawBody: NO_BODY, notificationUrl: '' };
	let identity: ReturnType<PosProvider['identify']> = {};
	try {
		identity = provider.identify(request, listed.payload, credential);
	} catch {
		identity = {}; // a payload the provider cannot read: fall back to the listing's own fields
	}
	const id = identity.id ?? listed.id;
	if (id === undefined || id === '') return undefined;
	return toEventItem(
		{
			id,
			type: identity.type ?? listed.type,
			occurredAt: identity.occurredAt ?? listed.occurredAt,
			locationId: identity.locationId,
		},
		provider.id,
		listed.payload,
		receivedAt,
	);
}
