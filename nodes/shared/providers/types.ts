import type { WebhookRejection } from '../verification';

/** The credential as the nodes read it. Custom* fields matter only for the custom provider. */
export interface PosCredentialData {
	provider: string;
	signingSecret?: string;
	previousSigningSecret?: string;
	apiToken?: string;
	baseUrl?: string;
	customSignatureHeader?: string;
	customAlgorithm?: string;
	customEncoding?: string;
	customSignaturePrefix?: string;
	customSignedPayload?: string;
	customTimestampLocation?: string;
	customEventIdLocation?: string;
	customEventTypeLocation?: string;
	customLocationIdLocation?: string;
}

/** One HTTP request as received: header names lower-case, the body exactly as sent. */
export interface InboundRequest {
	headers: Readonly<Record<string, string | string[] | undefined>>;
	rawBody: Buffer;
	/** The URL the POS was told to call (Square signs it). */
	notificationUrl: string;
}

/** Parses the body on first use and remembers it; throws a 400 rejection when it is not JSON. */
export type BodyReader = () => unknown;

export interface VerifyInput {
	request: InboundRequest;
	/** Signing keys, current first, as bytes (already decoded from the secret text). */
	keys: readonly Buffer[];
	credential: PosCredentialData;
	body: BodyReader;
}

export interface VerifyOutcome {
	/** The signed time of this delivery attempt in unix seconds, when the provider signs one. */
	signedTimestamp?: number;
}

/** Where an event says who, what and when. Values absent from the request stay undefined. */
export interface EventIdentity {
	id?: string;
	type?: string;
	/** ISO 8601. */
	occurredAt?: string;
	locationId?: string;
}

/**
 * A POS or webhook scheme. One file per provider in this folder, listed once in registry.ts.
 * verify() throws a WebhookRejection; everything else is plain data.
 */
export interface PosProvider {
	readonly id: string;
	readonly displayName: string;
	/** Shown in the credential's provider list. */
	readonly description: string;
	/** Lower-case header names that carry signatures or secrets; never passed to the workflow. */
	secretHeaders(credential: PosCredentialData): readonly string[];
	/** Whether every event carries an id (a request without one is refused 400). */
	readonly hasEventId: boolean;
	/**
	 * Whether occurredAt comes from inside the signed body. Such providers sign no delivery
	 * time, so a captured request can be replayed; the trigger then refuses events older than
	 * the dedupe window (the ledger would no longer remember them).
	 */
	readonly occurredAtIsSigned: boolean;
	/** How the webhook is registered, shown in the trigger (none of these register by API). */
	readonly setupHint: string;
	/**
	 * How the POS node reads this provider's event history for reconciliation: the shape of the
	 * API, implemented once per style in nodes/Pos/transport. Undefined: no catch-up API.
	 */
	readonly eventsApi?: 'stripe' | 'square' | 'generic';
	/** The POS API: public base URL ('' when each merchant has their own) and a cheap authenticated GET for the credential test. */
	readonly api: { readonly baseUrl: string; readonly testPath: string };
	/** Turns the secret as the user pasted it into key bytes. */
	keyFromSecret(secret: string): Buffer;
	verify(input: VerifyInput): VerifyOutcome;
	/**
	 * When the event id travels outside the signed bytes (Shopify's X-Shopify-Webhook-Id), an
	 * attacker could replay a captured request under a new id. The returned value (the signature
	 * itself) identifies the signed content; the ledger remembers it too, so such a replay is a
	 * duplicate. Undefined when the id is signed.
	 */
	replayKey?(request: InboundRequest, credential: PosCredentialData): string | undefined;
	/** A reason the credential's settings cannot work safely (shown at activation), if any. */
	validate?(credential: PosCredentialData): string | undefined;
	identify(request: InboundRequest, body: unknown, credential: PosCredentialData): EventIdentity;
}

export type { WebhookRejection };
