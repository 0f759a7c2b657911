/**
 * Produces the exact headers and body bytes each vendor sends, so the trigger is tested against what
 * the real POS would put on the wire. Where the vendor ships a signing helper we call it (Standard
 * Webhooks' Webhook.sign, stripe-node's generateTestHeaderString) rather than re-deriving the scheme:
 * if our reading of a vendor's docs is wrong, the vendor's own code corrects it.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';

export type ProviderName = 'standardWebhooks' | 'stripe' | 'square' | 'shopify' | 'toast' | 'custom';
export const PROVIDER_NAMES: readonly ProviderName[] = ['standardWebhooks', 'stripe', 'square', 'shopify', 'toast', 'custom'];

export function isProviderName(value: string): value is ProviderName {
	return (PROVIDER_NAMES as readonly string[]).includes(value);
}

/** Any HMAC scheme, described the way the POS API credential's custom fields describe it. */
export interface CustomScheme {
	/** Header carrying the signature, e.g. "X-Signature". */
	signatureHeader: string;
	algorithm: 'sha1' | 'sha256' | 'sha512';
	encoding: 'hex' | 'base64';
	/** Put before each signature, e.g. "sha256=". */
	prefix?: string;
	/** Signed bytes; placeholders {body}, {timestamp}, {id}, {url}. E.g. "{timestamp}.{body}". */
	template: string;
	/** Header carrying the timestamp (unix seconds) when the template or receiver uses one. */
	timestampHeader?: string;
	/** Header carrying the event id. Without one the id is expected in the body. */
	idHeader?: string;
}

export const DEFAULT_CUSTOM_SCHEME: CustomScheme = {
	signatureHeader: 'X-Signature',
	algorithm: 'sha256',
	encoding: 'hex',
	prefix: 'sha256=',
	template: '{timestamp}.{body}',
	timestampHeader: 'X-Timestamp',
	idHeader: 'X-Event-Id',
};

export interface SignOptions {
	/** The body: sent byte for byte as given when a string, else JSON.stringify'd once. */
	body: string | object;
	/**
	 * Signing secret(s), current first. Standard Webhooks, Stripe and custom sign with each (as
	 * during a rotation); Square, Shopify and Toast have one key per subscription and use the first.
	 */
	secrets: string | readonly string[];
	/** Unix seconds of this attempt (Standard Webhooks, Stripe, custom). Default: now. */
	timestamp?: number;
	/** Message id: webhook-id (Standard Webhooks), X-Shopify-Webhook-Id, custom id header. */
	id?: string;
	/** The notification URL exactly as registered (Square signs it; custom {url}). */
	url?: string;
	shopify?: { topic?: string; shopDomain?: string; apiVersion?: string; triggeredAt?: string; eventId?: string };
	toast?: { eventType?: string; restaurantExternalId?: string; attemptNumber?: number };
	custom?: CustomScheme;
}

export interface SignedRequest {
	method: 'POST';
	headers: Record<string, string>;
	/** The exact body text; send it as UTF-8 bytes, unchanged. */
	body: string;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const secretList = (s: string | readonly string[]): string[] => (typeof s === 'string' ? [s] : [...s]);
const bodyText = (b: string | object): string => (typeof b === 'string' ? b : JSON.stringify(b));
const b64Hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest('base64');

/** The vendors' user agents, so receivers that log or route on them see something plausible. */
const USER_AGENTS: Record<ProviderName, string> = {
	standardWebhooks: 'Svix-Webhooks/1.0 (pos-simulator)',
	stripe: 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
	square: 'Square Connect v2',
	shopify: 'Shopify-Captain-Hook',
	toast: 'Toast-Webhooks (pos-simulator)',
	custom: 'pos-simulator',
};

/** The header whose absence makes a request unsigned (used by the missing-header forgery). */
export function signatureHeaderName(provider: ProviderName, custom?: CustomScheme): string {
	switch (provider) {
		case 'standardWebhooks':
			return 'webhook-signature';
		case 'stripe':
			return 'Stripe-Signature';
		case 'square':
			return 'x-square-hmacsha256-signature';
		case 'shopify':
			return 'X-Shopify-Hmac-Sha256';
		case 'toast':
			return 'Toast-Signature';
		case 'custom':
			return (custom ?? DEFAULT_CUSTOM_SCHEME).signatureHeader;
	}
}

/** Whether the provider signs a delivery time, so that stale and future timestamps are forgeries. */
export function signsTimestamp(provider: ProviderName, custom?: CustomScheme): boolean {
	if (provider === 'standardWebhooks' || provider === 'stripe') return true;
	if (provider === 'custom') return (custom ?? DEFAULT_CUSTOM_SCHEME).template.includes('{timestamp}');
	return false;
}

/** Returns the headers and body a real vendor would send for this body. */
export function signRequest(provider: ProviderName, opts: SignOptions): SignedRequest {
	const body = bodyText(opts.body);
	const secrets = secretList(opts.secrets);
	if (secrets.length === 0 || secrets.some((s) => !s)) throw new Error('signRequest: at least one non-empty secret is required');
	const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': USER_AGENTS[provider] };
	switch (provider) {
		case 'standardWebhooks': {
			const id = opts.id ?? `msg_${randomUUID().replace(/-/g, '')}`;
			const ts = opts.timestamp ?? nowSeconds();
			const date = new Date(ts * 1000);
			// One "v1,<sig>" per secret, space-separated: what senders emit while a secret rotates.
			const signature = secrets.map((s) => new Webhook(s).sign(id, date, body)).join(' ');
			Object.assign(headers, { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature });
			break;
		}
		case 'stripe': {
			const ts = opts.timestamp ?? nowSeconds();
			// stripe-node's own test signer, once per secret; during a roll Stripe sends several v1=.
			const parts = secrets.map((secret) => Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: ts }));
			const v1 = parts.flatMap((p) => p.split(',').filter((kv) => kv.startsWith('v1=')));
			headers['Stripe-Signature'] = [`t=${ts}`, ...v1].join(',');
			break;
		}
		case 'square': {
			if (!opts.url) throw new Error('signRequest(square): the notification URL (opts.url) is part of the signed bytes');
			headers['x-square-hmacsha256-signature'] = b64Hmac(secrets[0], opts.url + body);
			headers['Square-Version'] = SQUARE_API_VERSION;
			break;
		}
		case 'shopify': {
			const s = opts.shopify ?? {};
			Object.assign(headers, {
				'X-Shopify-Hmac-Sha256': b64Hmac(secrets[0], body),
				'X-Shopify-Topic': s.topic ?? 'orders/paid',
				'X-Shopify-Webhook-Id': opts.id ?? randomUUID(),
				'X-Shopify-Event-Id': s.eventId ?? randomUUID(),
				'X-Shopify-Triggered-At': s.triggeredAt ?? new Date().toISOString(),
				'X-Shopify-Shop-Domain': s.shopDomain ?? 'pos-simulator.myshopify.com',
				'X-Shopify-API-Version': s.apiVersion ?? SHOPIFY_API_VERSION,
			});
			break;
		}
		case 'toast': {
			const t = opts.toast ?? {};
			// Toast signs the body followed by the payload's own "timestamp" field (as the trigger reads it).
			headers['Toast-Signature'] = b64Hmac(secrets[0], body + toastTimestampOf(body));
			headers['Toast-Event-Type'] = t.eventType ?? toastEventTypeOf(body) ?? 'order_updated';
			if (t.restaurantExternalId) headers['Toast-Restaurant-External-ID'] = t.restaurantExternalId;
			headers['Toast-Attempt-Number'] = String(t.attemptNumber ?? 1);
			break;
		}
		case 'custom': {
			const scheme = opts.custom ?? DEFAULT_CUSTOM_SCHEME;
			const ts = String(opts.timestamp ?? nowSeconds());
			const id = opts.id ?? randomUUID();
			const signed = scheme.template.replace(/\{(body|timestamp|id|url)\}/g, (_m, field: string) =>
				field === 'body' ? body : field === 'timestamp' ? ts : field === 'id' ? id : (opts.url ?? ''),
			);
			const prefix = scheme.prefix ?? '';
			headers[scheme.signatureHeader] = secrets
				.map((s) => prefix + createHmac(scheme.algorithm, s).update(signed, 'utf8').digest(scheme.encoding))
				.join(' ');
			if (scheme.timestampHeader) headers[scheme.timestampHeader] = ts;
			if (scheme.idHeader) headers[scheme.idHeader] = id;
			break;
		}
	}
	return { method: 'POST', headers, body };
}

export const SQUARE_API_VERSION = '2025-01-23';
export const SHOPIFY_API_VERSION = '2025-01';

function parseOrUndefined(body: string): Record<string, unknown> | undefined {
	try {
		const v = JSON.parse(body) as unknown;
		return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}

function toastTimestampOf(body: string): string {
	const ts = parseOrUndefined(body)?.timestamp;
	return typeof ts === 'string' || typeof ts === 'number' ? String(ts) : '';
}

function toastEventTypeOf(body: string): string | undefined {
	const t = parseOrUndefined(body)?.eventType;
	return typeof t === 'string' ? t : undefined;
}

// ---------------------------------------------------------------------------------------------
// Forgeries: requests an attacker (or a broken proxy) could produce. A correct receiver answers 401.

export type ForgeryKind = 'wrongSecret' | 'tamperedBody' | 'missingHeader' | 'staleTimestamp' | 'futureTimestamp';
export const FORGERY_KINDS: readonly ForgeryKind[] = ['wrongSecret', 'tamperedBody', 'missingHeader', 'staleTimestamp', 'futureTimestamp'];

/**
 * The forgeries that mean something for a provider: stale and future timestamps only where the
 * vendor signs a delivery time (Square, Shopify and Toast sign none; a late copy there is a replay,
 * caught by de-duplication, not a forgery).
 */
export function forgeryKindsFor(provider: ProviderName, custom?: CustomScheme): ForgeryKind[] {
	return signsTimestamp(provider, custom) ? [...FORGERY_KINDS] : ['wrongSecret', 'tamperedBody', 'missingHeader'];
}

/** A secret of the same shape that is not the real one (derived, so runs stay deterministic). */
export function wrongSecretFor(provider: ProviderName, secret: string): string {
	const digest = createHash('sha256').update(`forged:${secret}`).digest();
	if (provider === 'standardWebhooks') return `whsec_${digest.subarray(0, 24).toString('base64')}`;
	if (provider === 'stripe') return `whsec_${digest.toString('hex').slice(0, 32)}`;
	return digest.toString('base64url').slice(0, 32);
}

const AMOUNT_KEYS = ['amount', 'amount_received', 'total', 'total_price', 'totalAmount', 'amountMinor'];

/** Changes an amount inside the JSON (what a man in the middle would do); else adds a field. */
export function tamperBody(body: string): string {
	const obj = parseOrUndefined(body);
	if (!obj) return `${body} `;
	const seen = new Set<unknown>();
	const visit = (node: unknown): boolean => {
		if (!node || typeof node !== 'object' || seen.has(node)) return false;
		seen.add(node);
		const rec = node as Record<string, unknown>;
		for (const key of AMOUNT_KEYS) {
			const v = rec[key];
			if (typeof v === 'number') {
				rec[key] = v > 1 ? 1 : v + 1000;
				return true;
			}
			if (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v)) {
				rec[key] = v === '0.01' ? '0.02' : '0.01';
				return true;
			}
		}
		return Object.values(rec).some(visit);
	};
	if (!visit(obj)) obj.tampered = true;
	return JSON.stringify(obj);
}

export interface ForgeOptions {
	/** How far in the past or future the stale and future forgeries are signed. Default 600 s (tolerance is 300 s). */
	skewSeconds?: number;
}

/** A forged variant of what signRequest(provider, opts) would produce. */
export function forgeRequest(kind: ForgeryKind, provider: ProviderName, opts: SignOptions, forge: ForgeOptions = {}): SignedRequest {
	const skew = forge.skewSeconds ?? 600;
	const now = opts.timestamp ?? nowSeconds();
	switch (kind) {
		case 'wrongSecret':
			return signRequest(provider, { ...opts, secrets: secretList(opts.secrets).map((s) => wrongSecretFor(provider, s)) });
		case 'tamperedBody': {
			const signed = signRequest(provider, opts);
			return { ...signed, body: tamperBody(signed.body) };
		}
		case 'missingHeader': {
			const signed = signRequest(provider, opts);
			const name = signatureHeaderName(provider, opts.custom).toLowerCase();
			const headers = Object.fromEntries(Object.entries(signed.headers).filter(([k]) => k.toLowerCase() !== name));
			return { ...signed, headers };
		}
		case 'staleTimestamp':
		case 'futureTimestamp': {
			if (!signsTimestamp(provider, opts.custom)) {
				throw new Error(`forgeRequest: ${provider} signs no timestamp, so a ${kind} forgery does not exist`);
			}
			// A genuine signature over a time outside the tolerance: only the timestamp check can refuse it.
			return signRequest(provider, { ...opts, timestamp: kind === 'staleTimestamp' ? now - skew : now + skew });
		}
	}
}
