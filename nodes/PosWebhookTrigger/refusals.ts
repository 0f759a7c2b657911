import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { credentialTexts } from '../../credentials/PosApi.credentials';
import type { PosProvider } from '../shared/providers/types';
import type { RejectReason } from '../shared/verification';

/**
 * Refused requests, made visible. A refusal used to be only counted in the ledger's statistics,
 * so a restaurant whose every Square webhook failed (say, behind a proxy) saw nothing in n8n.
 * Now each refusal is logged with its fix in plain words, at most once a minute per workflow and
 * reason (a forged storm must not flood the log), and while the editor listens for a test event
 * the refusal and its fix are shown there instead of the editor waiting silently.
 *
 * Nothing here ever includes a secret, a signature or the request's body.
 */

/** Refused before verification, for the body itself (rawBody.ts): 413 and 415. */
export type BodyRejectReason = 'body_too_large' | 'unsupported_content_encoding';

export interface Refusal {
	status: number;
	reason: RejectReason | BodyRejectReason;
	message: string;
}

export interface RefusalContext {
	provider: PosProvider;
	/** The URL the signature was checked against (Square signs it). Not a secret: n8n shows it in the editor. */
	notificationUrl: string;
}

const SIGNATURE_HEADER: Record<string, string> = {
	standardWebhooks: 'webhook-signature',
	stripe: 'Stripe-Signature',
	square: 'x-square-hmacsha256-signature',
	shopify: 'X-Shopify-Hmac-Sha256',
	toast: 'Toast-Signature',
};

const WHERE_THE_SECRET_IS: Record<string, string> = {
	standardWebhooks: "the endpoint's signing secret (whsec_...) exactly as your POS shows it",
	stripe: "the signing secret of this very endpoint (Stripe Dashboard > Developers > Webhooks > the endpoint > Signing secret); every endpoint has its own",
	square: "the subscription's Signature key (Square Developer Console > Webhooks > Subscriptions)",
	shopify: "the app's client secret (or the key shown under Settings > Notifications > Webhooks)",
	toast: "the secret key of this Toast webhook subscription; if your subscription signs differently, use the Custom HMAC provider",
	custom: 'the secret your POS gives you',
};

/** What to do about one refusal, in plain words for the person running the workflow. */
export function refusalFix(reason: RejectReason | BodyRejectReason, context: RefusalContext): string {
	const id = context.provider.id;
	const name = context.provider.displayName;
	// The credential form names the secret as each POS does ("Signature Key", "Client Secret", ...).
	const secretField = credentialTexts(id).secretName;
	switch (reason) {
		case 'missing_signature':
			if (id === 'custom') {
				return 'The request carries no signature in the header the credential names: set Signature Header Name in the credential to the header your POS signs with.';
			}
			return `The request has no ${SIGNATURE_HEADER[id] ?? 'signature'} header: it was not sent by ${name}, or the credential's Provider is not the POS that calls this URL.`;
		case 'invalid_signature': {
			const rotation = ` If you have just rotated it, keep the old one in Previous ${secretField} until the POS signs with the new one.`;
			if (id === 'square') {
				return (
					`Square signs the URL it calls: set Notification URL in the Square credential to the URL registered in Square, character for character, if n8n is behind a proxy (n8n has ${context.notificationUrl || 'no URL'}), or set WEBHOOK_URL. ` +
					`Otherwise check that ${secretField} in the credential is ${WHERE_THE_SECRET_IS.square}.${rotation}`
				);
			}
			if (id === 'custom') {
				return `Check Signature Header Name, Signature Algorithm, Signature Encoding, Signature Prefix and Signed Payload in the credential against your POS's documentation, and ${secretField} itself.${rotation}`;
			}
			return `The signature does not match ${secretField} in the credential: paste ${WHERE_THE_SECRET_IS[id] ?? 'the signing secret'}.${rotation}`;
		}
		case 'missing_timestamp':
		case 'invalid_timestamp':
			return id === 'custom'
				? 'The signed timestamp is missing or unreadable: set Timestamp Location in the credential to where your POS sends it (unix seconds, milliseconds or ISO 8601).'
				: `The request's signed timestamp is missing or unreadable: it was not sent by ${name}, or the credential's Provider is wrong.`;
		case 'timestamp_too_old':
			return context.provider.occurredAtIsSigned
				? `The event is older than Remember Event IDs For: an old captured request replayed, or a very late retry. If ${name} really retries this late, raise Remember Event IDs For; Reconcile on the POS node can also fetch missed events.`
				: "The signed send time is older than Timestamp Tolerance: a replayed request, or the n8n server's clock is behind. Check the server's clock (NTP), or raise Timestamp Tolerance.";
		case 'timestamp_in_future':
			return "The signed time is ahead of the n8n server's clock by more than Timestamp Tolerance: check the server's clock (NTP) and the POS's.";
		case 'unparseable_body':
			return `The body is signed correctly but is not a JSON object: the trigger accepts JSON events only. Check the content type your POS sends${id === 'custom' ? '' : ` and that this URL is registered for ${name} webhooks`}.`;
		case 'missing_event_id':
			if (id === 'custom') return 'No event ID where the credential says: set Event ID Location in the credential (header:<name> or body:<path>).';
			if (id === 'shopify') return 'The request has no X-Shopify-Webhook-Id header (it names the event): send it, or turn Drop Duplicate Events off.';
			return `The ${name} event has no ID: this URL may be receiving something other than ${name} webhook events.`;
		case 'body_too_large':
			return `The body is larger than the trigger reads (16 MiB): a POS event is a few kilobytes, so this request is not a ${name} event, or the POS sends something it should link to instead.`;
		case 'unsupported_content_encoding':
			return `The body is compressed in a way this n8n does not decode: set ${name} (or the proxy in front of n8n) to send webhook bodies uncompressed.`;
		default:
			return 'Check the credential against your POS settings.';
	}
}

/**
 * Allows one message per key per interval and counts what it held back, so the next message can
 * say how many were not logged. Bounded: at most maxKeys keys are remembered.
 */
export class RefusalRateLimiter {
	private readonly last = new Map<string, { at: number; held: number }>();

	constructor(
		readonly intervalMs = 60_000,
		readonly maxKeys = 10_000,
	) {}

	/** undefined: hold this one back; a number: log it, and that many were held back since the last. */
	admit(key: string, nowMs: number): number | undefined {
		const entry = this.last.get(key);
		if (entry && nowMs - entry.at < this.intervalMs) {
			entry.held++;
			return undefined;
		}
		if (!entry && this.last.size >= this.maxKeys) this.last.clear();
		this.last.set(key, { at: nowMs, held: 0 });
		return entry?.held ?? 0;
	}
}

const limiter = new RefusalRateLimiter();

/** For tests: forget which refusals were logged. */
export function resetRefusalLogForTest(): void {
	(limiter as unknown as { last: Map<string, unknown> }).last.clear();
}

/** The item the editor shows when a test request was refused. */
export function refusalItem(refusal: Refusal, context: RefusalContext): IDataObject {
	return {
		refused: true,
		status: refusal.status,
		reason: refusal.reason,
		message: refusal.message,
		fix: refusalFix(refusal.reason, context),
		provider: context.provider.id,
	};
}

/**
 * Called by the trigger after it has answered a refused request (the POS already has its 4xx).
 * Logs it (rate-limited) and returns what the node hands back to n8n: nothing for a production
 * request (no execution), and, while the editor listens for a test event, one item describing
 * the refusal and its fix, so the editor shows it. n8n runs that as a test ("manual") execution
 * only; the test webhook then stops listening, as after any test event (n8n 2.41,
 * webhooks/test-webhooks.js, TestWebhooks.executeWebhook).
 */
export function reportRefusal(ctx: IWebhookFunctions, refusal: Refusal, context: RefusalContext, nowMs = Date.now()): IWebhookResponseData {
	const isTest = ctx.getMode() === 'manual';
	try {
		const workflow = ctx.getWorkflow();
		const workflowId = String(workflow.id ?? 'unsaved');
		const held = limiter.admit(`${workflowId}\u0000${isTest ? 'test' : 'live'}\u0000${refusal.reason}`, nowMs);
		if (held !== undefined) {
			const more = held > 0 ? ` (${held} more like it since the last message)` : '';
			ctx.logger.warn(
				`POS Webhook Trigger in workflow "${workflow.name ?? workflowId}" (${workflowId}) refused a ${context.provider.displayName} request: ` +
					`${refusal.reason}, answered ${refusal.status}${more}. ${refusalFix(refusal.reason, context)} ` +
					'This message is repeated at most once a minute.',
			);
		}
	} catch {
		// Logging must never turn a refusal into a failure.
	}
	if (!isTest) return { noWebhookResponse: true };
	return { workflowData: [[{ json: refusalItem(refusal, context) }]], noWebhookResponse: true };
}
