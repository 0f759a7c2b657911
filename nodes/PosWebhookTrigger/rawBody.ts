/**
 * The exact bytes of a webhook request, whichever way n8n left them.
 *
 * n8n 2.41 (`webhooks/webhook-helpers.js`, parseRequestBody) reads the body into `req.rawBody`
 * before calling webhook() for every node of typeVersion 1, but for typeVersion 2 and later only
 * when the content type is one it parses (JSON, text/plain, urlencoded, XML). Version 1 pays for
 * that with an expression evaluation per request (its `binaryData` option), which is why the
 * trigger's version 2 exists; the price is that a request with no or an unusual content type
 * (a POS sending `application/octet-stream`, or none) arrives with its body still unread.
 *
 * Then this reads it: with n8n's own reader when the request carries it (`req.readRawBody`, set
 * by n8n's rawBodyReader middleware: it decodes gzip and deflate and applies N8N_PAYLOAD_SIZE_MAX),
 * otherwise from the stream. Either way the body is bounded: a signed POS event is a few KB, and
 * a body over the bound is refused (413) before it is held whole in memory where the size is known.
 */

/** What the trigger needs of n8n's request object (an Express request). */
export interface RawBodyRequest {
	headers: Record<string, string | string[] | undefined>;
	rawBody?: unknown;
	/** n8n's reader (middlewares/body-parser.js rawBodyReader): fills `rawBody`. */
	readRawBody?: () => Promise<void>;
	readable?: boolean;
	readableEnded?: boolean;
	destroyed?: boolean;
	on?(event: string, listener: (...args: unknown[]) => void): unknown;
	removeListener?(event: string, listener: (...args: unknown[]) => void): unknown;
	resume?(): unknown;
}

export type RawBodyResult =
	| { ok: true; body: Buffer }
	| { ok: false; status: 413 | 415; reason: 'body_too_large' | 'unsupported_content_encoding'; message: string };

/** n8n's default N8N_PAYLOAD_SIZE_MAX (16 MiB), so a body n8n would have read is read here too. */
export const MAX_RAW_BODY_BYTES = 16 * 1024 * 1024;

const EMPTY = Buffer.alloc(0);

const tooLarge = (maxBytes: number): RawBodyResult => ({
	ok: false,
	status: 413,
	reason: 'body_too_large',
	message: `The request body is larger than ${maxBytes} bytes`,
});

function header(req: RawBodyRequest, name: string): string {
	const value = req.headers[name];
	return (Array.isArray(value) ? value[0] : value ?? '').trim().toLowerCase();
}

/**
 * The raw body of `req`: `req.rawBody` when n8n read it, else read now (at most `maxBytes`).
 * A stream that is gone (already consumed, e.g. a multipart body n8n parsed, or a client that
 * hung up) gives an empty body, which no signature verifies: the request is then refused as
 * unsigned or forged, as it was before this reader existed. Never throws.
 */
export async function readRawBody(req: RawBodyRequest, maxBytes = MAX_RAW_BODY_BYTES): Promise<RawBodyResult> {
	if (Buffer.isBuffer(req.rawBody)) return { ok: true, body: req.rawBody };

	const declared = Number(header(req, 'content-length'));
	if (Number.isFinite(declared) && declared > maxBytes) return tooLarge(maxBytes);

	if (typeof req.readRawBody === 'function') {
		try {
			await req.readRawBody();
		} catch (error) {
			// raw-body's size error (N8N_PAYLOAD_SIZE_MAX); anything else is an unreadable stream.
			const status = (error as { status?: unknown; statusCode?: unknown })?.status ?? (error as { statusCode?: unknown })?.statusCode;
			return status === 413 ? tooLarge(maxBytes) : { ok: true, body: EMPTY };
		}
		if (!Buffer.isBuffer(req.rawBody)) return { ok: true, body: EMPTY };
		return req.rawBody.length > maxBytes ? tooLarge(maxBytes) : { ok: true, body: req.rawBody };
	}

	const encoding = header(req, 'content-encoding');
	if (encoding !== '' && encoding !== 'identity') {
		// Without n8n's reader there is no decompressor here (shipped code imports only n8n-workflow
		// and node:crypto), and a signature covers the decoded bytes.
		return { ok: false, status: 415, reason: 'unsupported_content_encoding', message: `Content-Encoding ${encoding} is not supported here; send the body uncompressed` };
	}
	return await readStream(req, maxBytes);
}

function readStream(req: RawBodyRequest, maxBytes: number): Promise<RawBodyResult> {
	if (typeof req.on !== 'function' || req.readableEnded === true || req.destroyed === true || req.readable === false) {
		return Promise.resolve({ ok: true, body: EMPTY });
	}
	return new Promise((resolve) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let settled = false;
		const finish = (result: RawBodyResult) => {
			if (settled) return;
			settled = true;
			req.removeListener?.('data', onData);
			req.removeListener?.('end', onEnd);
			req.removeListener?.('error', onFailure);
			req.removeListener?.('aborted', onFailure);
			req.removeListener?.('close', onClose);
			resolve(result);
		};
		const onData = (chunk: unknown) => {
			const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), 'utf8');
			size += bytes.length;
			if (size > maxBytes) {
				chunks.length = 0;
				finish(tooLarge(maxBytes));
				// Let the rest flow past unread, so the connection can still carry the 413.
				req.resume?.();
				return;
			}
			chunks.push(bytes);
		};
		const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks, size) });
		const onFailure = () => finish({ ok: true, body: EMPTY });
		// 'close' before 'end' means the client went away mid-body.
		const onClose = () => finish({ ok: true, body: EMPTY });
		req.on?.('data', onData);
		req.on?.('end', onEnd);
		req.on?.('error', onFailure);
		req.on?.('aborted', onFailure);
		req.on?.('close', onClose);
		req.resume?.();
	});
}
