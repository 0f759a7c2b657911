import type { SignatureMatch } from '../verification';

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

/**
 * What verify() gets: the raw request and the keys, and on purpose no parsed body. The signature
 * is checked before the body is parsed, for every provider (a forger learns nothing but 401 and
 * costs no more than one HMAC). A signed field inside the body is read with scanJsonScalar.
 */
export interface VerifyInput {
	request: InboundRequest;
	/** Signing keys, current first, as bytes (already decoded from the secret text). */
	keys: readonly Buffer[];
	credential: PosCredentialData;
}

/** A body field the signature was computed with, read from the raw text before parsing. */
export interface SignedBodyField {
	path: string;
	/** The value the signature verified with (undefined: it was absent, signed as empty). */
	value: string | undefined;
}

export interface VerifyOutcome {
	/** The signed time of this delivery attempt in unix seconds, when the provider signs one. */
	signedTimestamp?: number;
	/**
	 * The signed time is a body field, readable only once the (verified) body is parsed: the
	 * trigger reads it there and checks it against the tolerance like signedTimestamp.
	 */
	signedTimestampPath?: string;
	/** Which signature verified, under which key: what replay protection keys on. */
	match: SignatureMatch;
	/**
	 * Body fields read from the raw text for the signature: after parsing, the body must say the
	 * same (else 401), so no difference between the scanner and JSON.parse can be exploited.
	 */
	signedBodyFields?: readonly SignedBodyField[];
}

/** Where an event says who, what and when. Values absent from the request stay undefined. */
export interface EventIdentity {
	id?: string;
	type?: string;
	/** ISO 8601. */
	occurredAt?: string;
	locationId?: string;
	/**
	 * Which of id and type this request carried outside the signed bytes (e.g. Shopify's
	 * X-Shopify-Webhook-Id and X-Shopify-Topic headers). Anyone holding a captured request could
	 * change them, so the trigger also remembers the request by its signature (replay key).
	 */
	unsigned?: { id?: boolean; type?: boolean };
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
	/** A reason the credential's settings cannot work safely (shown at activation), if any. */
	validate?(credential: PosCredentialData): string | undefined;
	identify(request: InboundRequest, body: unknown, credential: PosCredentialData): EventIdentity;
}

