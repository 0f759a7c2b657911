/**
 * The raw body when n8n did not read it: typeVersion 2 of the trigger gets no `req.rawBody` for a
 * content type n8n does not parse (none, application/octet-stream, vendor types), see
 * n8n 2.41 webhooks/webhook-helpers.js parseRequestBody. The requests here are real Node HTTP
 * requests (an IncomingMessage whose body is still unread), given to webhook() as n8n does.
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Webhook as StandardWebhook } from 'standardwebhooks';

import { PosWebhookTrigger } from '../../../nodes/PosWebhookTrigger/PosWebhookTrigger.node';
import { MAX_RAW_BODY_BYTES, readRawBody, type RawBodyRequest } from '../../../nodes/PosWebhookTrigger/rawBody';
import { resetRefusalLogForTest } from '../../../nodes/PosWebhookTrigger/refusals';
import { resetLedgersForTest } from '../../../nodes/shared/ledger/registry';
import type { PosCredentialData } from '../../../nodes/shared/providers/types';
import { fakeWebhookContext } from '../../helpers/webhookContext';

const SECRET = 'whsec_' + Buffer.from('a 32 byte key for the tests.....').toString('base64');
const credential: PosCredentialData = { provider: 'standardWebhooks', signingSecret: SECRET };
const node = new PosWebhookTrigger();

function signed(id: string, contentType: string | undefined, tamper = false) {
	const body = JSON.stringify({ type: 'order.paid', data: { order_id: id } });
	const when = new Date();
	const headers: Record<string, string> = {
		'webhook-id': id,
		'webhook-timestamp': String(Math.floor(when.getTime() / 1000)),
		'webhook-signature': new StandardWebhook(SECRET).sign(id, when, body),
	};
	if (contentType !== undefined) headers['content-type'] = contentType;
	return { headers, body: tamper ? body.replace('order.paid', 'order.paix') : body };
}

/**
 * Sends one real HTTP request and hands the server's IncomingMessage, body unread, to `handle`.
 * `chunks`: the body in pieces (sent without Content-Length, as chunked transfer encoding).
 */
async function overHttp<T>(send: { headers: Record<string, string>; body?: string; chunks?: Buffer[] }, handle: (req: IncomingMessage) => Promise<T>): Promise<T> {
	let outcome: Promise<T> | undefined;
	const server = createServer((req, res) => {
		outcome = handle(req);
		outcome.then(
			() => res.end(),
			() => res.end(),
		);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	try {
		const { port } = server.address() as AddressInfo;
		await new Promise<void>((resolve, reject) => {
			const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/webhook/abc/pos', headers: send.headers }, (res) => {
				res.resume();
				res.on('end', resolve);
			});
			req.on('error', reject);
			if (send.chunks) {
				for (const chunk of send.chunks) req.write(chunk);
				req.end();
			} else req.end(send.body ?? '');
		});
		return await outcome!;
	} finally {
		await new Promise((resolve) => server.close(resolve));
	}
}

/** webhook() with n8n's request object being the real request (no rawBody: n8n did not read it). */
async function webhookWith(req: IncomingMessage) {
	const run = fakeWebhookContext({ headers: req.headers, body: '' }, { credential, credentialId: 'cred-1' });
	(run.ctx as unknown as { getRequestObject: () => IncomingMessage }).getRequestObject = () => req;
	const result = await node.webhook.call(run.ctx);
	return { result, response: run.response };
}

beforeEach(() => {
	resetLedgersForTest();
	resetRefusalLogForTest();
});

describe('webhook() when n8n left the body unread (typeVersion 2, content type n8n does not parse)', () => {
	it.each([
		['no content type', undefined],
		['application/octet-stream', 'application/octet-stream'],
		['a vendor JSON type', 'application/vnd.pos.event+json; charset=utf-8'],
	])('%s: reads the exact bytes, verifies them and starts one execution with the event', async (_label, contentType) => {
		const id = `msg_${String(contentType ?? 'none').replace(/\W+/g, '_')}`;
		const { result, response } = await overHttp(signed(id, contentType), webhookWith);
		expect(response.status === undefined || response.status === 200).toBe(true);
		expect(result.workflowData).toHaveLength(1);
		expect(result.workflowData![0].map((item) => item.json.id)).toEqual([id]);
		expect(result.workflowData![0][0].json).toMatchObject({ type: 'order.paid', data: { data: { order_id: id } } });
	});

	it('a body changed after signing, sent with no content type, is refused 401 and starts nothing', async () => {
		const { result, response } = await overHttp(signed('msg_tampered', undefined, true), webhookWith);
		expect(result.workflowData).toBeUndefined();
		expect(response.status).toBe(401);
		expect(response.body).toMatchObject({ status: 'rejected', reason: 'invalid_signature' });
	});

	it('a body sent in chunks without Content-Length is read whole', async () => {
		const { headers, body } = signed('msg_chunked', 'application/octet-stream');
		const bytes = Buffer.from(body);
		const chunks = [bytes.subarray(0, 7), bytes.subarray(7, 40), bytes.subarray(40)];
		const { result } = await overHttp({ headers, chunks }, webhookWith);
		expect(result.workflowData![0].map((item) => item.json.id)).toEqual(['msg_chunked']);
	});

	it('a declared Content-Length over the bound is refused 413 without reading, and starts nothing', async () => {
		const { headers } = signed('msg_huge', 'application/octet-stream');
		const req = Object.assign(Readable.from([]), { headers: { ...headers, 'content-length': String(MAX_RAW_BODY_BYTES + 1) } });
		const run = fakeWebhookContext({ headers: {}, body: '' }, { credential, credentialId: 'cred-1' });
		(run.ctx as unknown as { getRequestObject: () => unknown }).getRequestObject = () => req;
		const result = await node.webhook.call(run.ctx);
		expect(result).toEqual({ noWebhookResponse: true });
		expect(run.response).toEqual({ status: 413, body: { status: 'rejected', reason: 'body_too_large', message: `The request body is larger than ${MAX_RAW_BODY_BYTES} bytes` } });
		// Logged with its fix, like the other refusals.
		expect(run.logs.join('\n')).toMatch(/refused a .* request: body_too_large, answered 413\. The body is larger than the trigger reads/);
	});

	it('a 415 while the editor listens comes back as one refusal item with its fix', async () => {
		const { headers } = signed('msg_brotli', 'application/json');
		const req = Object.assign(Readable.from([Buffer.from('xx')]), { headers: { ...headers, 'content-encoding': 'br' } });
		const run = fakeWebhookContext({ headers: {}, body: '' }, { credential, credentialId: 'cred-1', mode: 'manual' });
		(run.ctx as unknown as { getRequestObject: () => unknown }).getRequestObject = () => req;
		const result = await node.webhook.call(run.ctx);
		expect(run.response.status).toBe(415);
		expect(result.workflowData?.[0]).toEqual([
			{ json: expect.objectContaining({ refused: true, status: 415, reason: 'unsupported_content_encoding', fix: expect.stringMatching(/uncompressed/) }) },
		]);
	});
});

describe('readRawBody', () => {
	it('returns the body n8n already read, the same Buffer, without touching the stream', async () => {
		const rawBody = Buffer.from('{"a":1}');
		const readRawBodyCalls: number[] = [];
		const result = await readRawBody({ headers: {}, rawBody, readRawBody: async () => void readRawBodyCalls.push(1) });
		expect(result).toEqual({ ok: true, body: rawBody });
		expect(result.ok && result.body).toBe(rawBody);
		expect(readRawBodyCalls).toEqual([]);
	});

	it("uses n8n's own reader when the request carries it (it decodes gzip and applies n8n's size limit)", async () => {
		const req: RawBodyRequest = { headers: { 'content-encoding': 'gzip' } };
		req.readRawBody = async () => {
			req.rawBody = Buffer.from('decoded by n8n');
		};
		expect(await readRawBody(req)).toEqual({ ok: true, body: Buffer.from('decoded by n8n') });
	});

	it("n8n's reader refusing the size (413) is a 413; any other failure of it an empty body", async () => {
		const sizeError = Object.assign(new Error('request entity too large'), { status: 413, type: 'entity.too.large' });
		expect(await readRawBody({ headers: {}, readRawBody: async () => Promise.reject(sizeError) }, 100)).toMatchObject({ ok: false, status: 413, reason: 'body_too_large' });
		expect(await readRawBody({ headers: {}, readRawBody: async () => Promise.reject(new Error('Request body stream was aborted')) })).toEqual({ ok: true, body: Buffer.alloc(0) });
	});

	it("a body n8n's reader returned over our bound is a 413", async () => {
		const req: RawBodyRequest = { headers: {} };
		req.readRawBody = async () => {
			req.rawBody = Buffer.alloc(101);
		};
		expect(await readRawBody(req, 100)).toMatchObject({ ok: false, status: 413 });
	});

	it('stops reading a stream at the bound: 413, and the rest of the stream still flows', async () => {
		let produced = 0;
		const stream = new Readable({
			read() {
				produced++;
				this.push(produced <= 10 ? Buffer.alloc(40) : null);
			},
		});
		const req = Object.assign(stream, { headers: {} });
		const result = await readRawBody(req, 100);
		expect(result).toMatchObject({ ok: false, status: 413, reason: 'body_too_large' });
		if (!stream.readableEnded) await new Promise((resolve) => stream.once('end', resolve));
		expect(produced).toBe(11);
	});

	it('reads exactly the bound', async () => {
		const req = Object.assign(Readable.from([Buffer.alloc(60, 1), Buffer.alloc(40, 2)]), { headers: {} });
		const result = await readRawBody(req, 100);
		expect(result.ok && result.body.length).toBe(100);
		expect(result.ok && [result.body[0], result.body[99]]).toEqual([1, 2]);
	});

	it('a compressed body without n8n reader is refused 415 (no decompressor in shipped code)', async () => {
		const req = Object.assign(Readable.from([Buffer.from('x')]), { headers: { 'content-encoding': 'gzip' } });
		expect(await readRawBody(req)).toMatchObject({ ok: false, status: 415, reason: 'unsupported_content_encoding' });
		const identity = Object.assign(Readable.from([Buffer.from('x')]), { headers: { 'content-encoding': 'identity' } });
		expect(await readRawBody(identity)).toEqual({ ok: true, body: Buffer.from('x') });
	});

	it('a stream already consumed (e.g. a multipart body n8n parsed) or without a stream gives an empty body', async () => {
		const consumed = Object.assign(Readable.from([Buffer.from('x')]), { headers: {} });
		consumed.resume();
		await new Promise((resolve) => consumed.once('end', resolve));
		expect(await readRawBody(consumed)).toEqual({ ok: true, body: Buffer.alloc(0) });
		expect(await readRawBody({ headers: {} })).toEqual({ ok: true, body: Buffer.alloc(0) });
	});

	it('a stream that fails mid-body gives an empty body (no signature verifies it)', async () => {
		const stream = new Readable({
			read() {
				this.push(Buffer.from('partial'));
				this.destroy(new Error('aborted'));
			},
		});
		expect(await readRawBody(Object.assign(stream, { headers: {} }))).toEqual({ ok: true, body: Buffer.alloc(0) });
	});
});
