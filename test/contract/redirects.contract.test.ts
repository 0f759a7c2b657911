/**
 * The POS node's API calls through n8n-core 2.41's real ExecuteContext and its real
 * httpRequestWithAuthentication (axios + follow-redirects in @n8n/backend-network), against two
 * local HTTP servers on different ports, hence different origins: A is the POS API the credential
 * names, B is anywhere else. n8n 2.41 follows redirects and re-sends Authorization cross-origin by
 * default (getBeforeRedirectFn, sendCredentialsOnCrossOriginRedirect ?? true): B must never see the
 * token, and the user must be told what happened. Same-origin redirects keep working.
 */
import { contractUserFolder, removeUserFolder } from './harness/userFolder';

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { NodeApiError } from 'n8n-workflow';

import { retryTiming } from '../../nodes/Pos/transport/request';
import { ContractCredentialsHelper, executePos } from './harness/n8nCore';

interface Seen {
	method: string;
	path: string;
	authorization?: string;
}

class Origin {
	readonly seen: Seen[] = [];
	handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
		res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"pi_ok","object":"payment_intent"}');
	};
	private server?: Server;
	url = '';

	async start(): Promise<void> {
		this.server = createServer((req, res) => {
			this.seen.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization });
			this.handler(req, res);
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	async stop(): Promise<void> {
		await new Promise<void>((resolve) => this.server?.close(() => resolve()));
	}
}

const TOKEN = 'sk_test_contract_token_must_not_leak';
const a = new Origin();
const b = new Origin();
const credentials = new ContractCredentialsHelper();
let credential: ReturnType<ContractCredentialsHelper['save']>;
const savedTiming = { ...retryTiming };

beforeAll(async () => {
	Object.assign(retryTiming, { baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 2 });
	await Promise.all([a.start(), b.start()]);
	credential = credentials.save('cred-redirect', { provider: 'stripe', signingSecret: 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ=', apiToken: TOKEN, baseUrl: a.url });
});
afterAll(async () => {
	Object.assign(retryTiming, savedTiming);
	await Promise.all([a.stop(), b.stop()]);
	removeUserFolder();
});
beforeEach(() => {
	a.seen.length = 0;
	b.seen.length = 0;
});

const orderGet = { resource: 'order', operation: 'get', orderId: 'pi_1' };
const run = () => executePos({ credentials, credential, parameters: orderGet, workflowId: 'wf-redirects' });

function redirectTo(location: (req: IncomingMessage) => string, status = 302) {
	return (req: IncomingMessage, res: ServerResponse) => {
		res.writeHead(status, { location: location(req) }).end();
	};
}

describe('the real n8n-core 2.41 request helper', () => {
	test('the contract runs in a temporary N8N_USER_FOLDER', () => {
		expect(process.env.N8N_USER_FOLDER).toBe(contractUserFolder);
	});

	test('a plain call reaches A once, with the token', async () => {
		const { items } = await run();
		expect(items).toEqual([{ id: 'pi_ok', object: 'payment_intent' }]);
		expect(a.seen).toEqual([{ method: 'GET', path: '/v1/payment_intents/pi_1', authorization: `Bearer ${TOKEN}` }]);
	});

	test.each([301, 302, 303, 307, 308])('a %i from A to another origin: B is never called, the error says why', async (status) => {
		a.handler = redirectTo((req) => `${b.url}/steal${req.url}`, status);
		const error = await run().then(
			() => undefined,
			(e: unknown) => e,
		);
		expect(b.seen).toEqual([]); // nothing at all reached B, let alone the token
		expect(error).toBeInstanceOf(NodeApiError);
		const apiError = error as NodeApiError;
		expect(apiError.message).toBe(
			`The POS API redirected the request to another site (${b.url}) and the node did not follow, so the API token was not sent there: set the API Base URL in the POS API credential to the API's own address`,
		);
		expect(apiError.description).toContain(`answered HTTP ${status} with a redirect to ${b.url}`);
		expect(apiError.httpCode).toBe(String(status));
		expect(JSON.stringify(apiError)).not.toContain(TOKEN);
		expect(a.seen).toHaveLength(1); // a redirect is an answer, not a failure: no retries
	});

	test('https to http on the same host is another origin too', async () => {
		const port = new URL(a.url).port;
		a.handler = redirectTo(() => `https://127.0.0.1:${port}/v1/payment_intents/pi_1`);
		// The credential says http://; a redirect to https:// on the same host and port is another origin.
		await expect(run()).rejects.toThrow(`The POS API redirected the request to another site (https://127.0.0.1:${port})`);
		expect(a.seen).toHaveLength(1);
	});

	test('a same-origin redirect (relative or absolute) is followed, with the token, to the answer', async () => {
		a.handler = (req, res) => {
			if (req.url === '/v1/payment_intents/pi_1') return redirectTo(() => '/v1/moved/pi_1', 301)(req, res);
			if (req.url === '/v1/moved/pi_1') return redirectTo(() => `${a.url}/v1/final/pi_1?from=redirect`, 307)(req, res);
			res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"pi_1","moved":true}');
		};
		const { items } = await run();
		expect(items).toEqual([{ id: 'pi_1', moved: true }]);
		expect(a.seen).toEqual([
			{ method: 'GET', path: '/v1/payment_intents/pi_1', authorization: `Bearer ${TOKEN}` },
			{ method: 'GET', path: '/v1/moved/pi_1', authorization: `Bearer ${TOKEN}` },
			{ method: 'GET', path: '/v1/final/pi_1?from=redirect', authorization: `Bearer ${TOKEN}` },
		]);
		expect(b.seen).toEqual([]);
	});

	test('a same-origin redirect that then leaves the origin is stopped before B', async () => {
		a.handler = (req, res) => {
			if (req.url === '/v1/payment_intents/pi_1') return redirectTo(() => '/v1/hop')(req, res);
			return redirectTo(() => `${b.url}/collect`)(req, res);
		};
		await expect(run()).rejects.toThrow(`redirected the request to another site (${b.url})`);
		expect(a.seen.map((s) => s.path)).toEqual(['/v1/payment_intents/pi_1', '/v1/hop']);
		expect(b.seen).toEqual([]);
	});

	test('a same-origin redirect loop stops with a clear error after 5 hops', async () => {
		let hop = 0;
		a.handler = redirectTo(() => `/v1/loop/${++hop}`);
		await expect(run()).rejects.toThrow('The POS API kept redirecting the request (more than 5 times)');
		expect(a.seen).toHaveLength(6); // the call and 5 followed redirects
	});
});
