/**
 * A tiny HTTP server on 127.0.0.1 that stores every request it receives. A workflow
 * "POS Webhook Trigger -> HTTP Request (POST the item here)" then proves how many executions ran
 * and with which item. Each workflow posts to its own path (urlFor(tag)) so one recorder serves many.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

import { waitUntil } from './proc';

export interface RecordedRequest {
	/** First path segment, e.g. 'stripe' for POST /stripe. */
	tag: string;
	method: string;
	path: string;
	headers: IncomingHttpHeaders;
	/** Parsed JSON body, or the raw text when it is not JSON. */
	body: unknown;
	receivedAt: number;
}

export interface Recorder {
	/** http://127.0.0.1:<port> */
	readonly url: string;
	readonly port: number;
	/** `${url}/${tag}`: give each workflow its own tag. */
	urlFor(tag: string): string;
	/** Requests received, oldest first; only those for one tag when given. */
	received(tag?: string): RecordedRequest[];
	count(tag?: string): number;
	/** The JSON bodies received (the items the workflows posted). */
	bodies<T = Record<string, unknown>>(tag?: string): T[];
	/** Resolves once at least `count` requests (for the tag) have arrived. */
	waitForCount(count: number, options?: { tag?: string; timeoutMs?: number }): Promise<RecordedRequest[]>;
	/** Resolves with the first request whose body matches. */
	waitFor(match: (r: RecordedRequest) => boolean, options?: { timeoutMs?: number; what?: string }): Promise<RecordedRequest>;
	clear(): void;
	close(): Promise<void>;
}

export async function startRecorder(options: { port?: number } = {}): Promise<Recorder> {
	const requests: RecordedRequest[] = [];
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const text = Buffer.concat(chunks).toString('utf8');
			let body: unknown = text;
			try {
				body = text === '' ? undefined : JSON.parse(text);
			} catch {
				// keep the text
			}
			const path = req.url ?? '/';
			requests.push({
				tag: path.split('?')[0].split('/')[1] ?? '',
				method: req.method ?? '',
				path,
				headers: req.headers,
				body,
				receivedAt: Date.now(),
			});
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end('{"ok":true}');
		});
	});
	server.keepAliveTimeout = 1000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
	});
	const port = (server.address() as AddressInfo).port;
	const url = `http://127.0.0.1:${port}`;
	const received = (tag?: string) => (tag === undefined ? [...requests] : requests.filter((r) => r.tag === tag));

	return {
		url,
		port,
		urlFor: (tag) => `${url}/${encodeURIComponent(tag)}`,
		received,
		count: (tag) => received(tag).length,
		bodies: <T>(tag?: string) => received(tag).map((r) => r.body as T),
		waitForCount: (count, { tag, timeoutMs = 30_000 } = {}) =>
			waitUntil(() => (received(tag).length >= count ? received(tag) : undefined), {
				timeoutMs,
				intervalMs: 25,
				describe: () => `${count} request(s) at the recorder${tag ? ` for /${tag}` : ''}; have ${received(tag).length}`,
			}),
		waitFor: (match, { timeoutMs = 30_000, what = 'a matching request' } = {}) =>
			waitUntil(() => requests.find(match), { timeoutMs, intervalMs: 25, describe: () => `${what} at the recorder` }),
		clear: () => {
			requests.length = 0;
		},
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
