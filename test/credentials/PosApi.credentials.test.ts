import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

import { NodeHelpers, type ICredentialTestFunctions, type INodeProperties } from 'n8n-workflow';

import { PosApi } from '../../credentials/PosApi.credentials';
import { Pos } from '../../nodes/Pos/Pos.node';
import { posApiCredentialTest } from '../../nodes/Pos/methods/credentialTest';
import { PosWebhookTrigger } from '../../nodes/PosWebhookTrigger/PosWebhookTrigger.node';
import { PROVIDERS } from '../../nodes/shared/providers/registry';
import packageJson from '../../package.json';

const cred = new PosApi();

/** The fields the editor shows for a provider: n8n's own display rules (NodeHelpers.displayParameter). */
function visibleFields(provider: string): INodeProperties[] {
	const values = { provider };
	return cred.properties.filter((p) => NodeHelpers.displayParameter(values, p, null, null));
}

function field(provider: string, name: string): INodeProperties | undefined {
	return visibleFields(provider).find((p) => p.name === name);
}

/** A local POS API that records the headers it got and answers with the given status. */
async function fakeApi(status: number): Promise<{ url: string; seen: Array<{ path: string; headers: http.IncomingHttpHeaders }>; close(): Promise<void> }> {
	const seen: Array<{ path: string; headers: http.IncomingHttpHeaders }> = [];
	const server = http.createServer((req, res) => {
		seen.push({ path: req.url ?? '', headers: req.headers });
		res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return { url, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * The credential test's context. n8n-core's CredentialTestContext gives only helpers.request
 * (request-promise options, rejects on a non-2xx answer with statusCode); this does the same.
 */
function testContext(): ICredentialTestFunctions & { calls: number } {
	const context = {
		calls: 0,
		logger: console,
		helpers: {
			async request(options: { uri: string; method: string; headers: Record<string, string> }) {
				context.calls++;
				const response = await fetch(options.uri, { method: options.method, headers: options.headers, redirect: 'manual' });
				if (response.status >= 300) throw Object.assign(new Error(`HTTP ${response.status}`), { statusCode: response.status });
				return await response.json();
			},
		},
	};
	return context as unknown as ICredentialTestFunctions & { calls: number };
}

async function runTest(data: Record<string, string>, context = testContext()) {
	const result = await posApiCredentialTest.call(context, { id: '1', name: 'POS', type: 'posApi', data });
	return { ...result, calls: context.calls };
}

describe('POS API credential: the form adapts to the provider', () => {
	it('lists every provider of the registry', () => {
		const options = cred.properties.find((p) => p.name === 'provider')?.options as Array<{ value: string }>;
		expect(options.map((o) => o.value)).toEqual(PROVIDERS.map((p) => p.id));
	});

	it("names the secret in each POS's own words, required and with visible help", () => {
		const names = Object.fromEntries(PROVIDERS.map((p) => [p.id, field(p.id, 'signingSecret')?.displayName]));
		expect(names).toEqual({
			standardWebhooks: 'Signing Secret',
			stripe: 'Webhook Signing Secret',
			square: 'Signature Key',
			shopify: 'Client Secret',
			toast: 'Webhook Secret Key',
			custom: 'HMAC Secret Key',
		});
		for (const p of PROVIDERS) {
			const secret = field(p.id, 'signingSecret')!;
			expect(secret.required).toBe(true);
			expect(secret.typeOptions?.password).toBe(true);
			expect(secret.hint?.length).toBeGreaterThan(30);
			expect(field(p.id, 'previousSigningSecret')?.displayName).toBe(`Previous ${secret.displayName}`);
		}
	});

	it('shows exactly one field per credential value for every provider', () => {
		for (const p of PROVIDERS) {
			const names = visibleFields(p.id).map((f) => f.name);
			expect(names.length).toBe(new Set(names).size);
		}
	});

	it('keeps every value through n8n\'s parameter resolution, whichever provider (one field per provider, same name)', () => {
		for (const p of PROVIDERS) {
			const data = { provider: p.id, signingSecret: 's1', previousSigningSecret: 's0', apiToken: 't', baseUrl: 'http://pos.test' };
			expect(NodeHelpers.getNodeParameters(cred.properties, data, true, false, null, null)).toMatchObject(data);
			const { provider, ...rest } = data;
			const saved = NodeHelpers.getNodeParameters(cred.properties, data, false, false, null, null);
			expect(saved).toMatchObject(p.id === 'standardWebhooks' ? rest : { provider, ...rest });
		}
	});

	it("shows each provider's base URL; says when the POS node needs it, never blocks a trigger-only save", () => {
		const baseUrls = Object.fromEntries(PROVIDERS.map((p) => [p.id, field(p.id, 'baseUrl')?.placeholder]));
		expect(baseUrls).toEqual({
			standardWebhooks: 'e.g. https://pos.example.com/api',
			stripe: 'https://api.stripe.com',
			square: 'https://connect.squareup.com',
			shopify: 'e.g. https://your-store.myshopify.com',
			toast: 'https://ws-api.toasttab.com',
			custom: 'e.g. https://pos.example.com/api',
		});
		for (const p of PROVIDERS) expect(field(p.id, 'baseUrl')?.required).toBeUndefined();
		expect(field('custom', 'baseUrl')?.hint).toMatch(/^Needed by the POS node \(not by the trigger\)/);
	});

	it("n8n's server check (CredentialsService.validateCredentialData) accepts a trigger-only credential: provider and secret", () => {
		// Its rule: a shown, required property with displayOptions must have a value or a default.
		for (const p of PROVIDERS) {
			const data = { provider: p.id, signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' };
			const missing = cred.properties.filter(
				(prop) => prop.required && prop.displayOptions && NodeHelpers.displayParameter(data, prop, null, null) && !(data as Record<string, string>)[prop.name] && (prop.default ?? '') === '',
			);
			expect(missing.map((m) => m.name)).toEqual([]);
			const noSecret = cred.properties.filter((prop) => prop.required && prop.displayOptions && NodeHelpers.displayParameter({ provider: p.id }, prop, null, null));
			expect(noSecret.map((m) => m.name)).toEqual(['signingSecret']);
		}
	});

	it('shows the Custom HMAC scheme only for Custom, with readable labels', () => {
		const customOnly = visibleFields('custom').filter((f) => f.name.startsWith('custom')).map((f) => f.displayName);
		expect(customOnly).toEqual([
			'Signature Header Name',
			'Signature Algorithm',
			'Signature Encoding',
			'Signature Prefix',
			'Signed Payload',
			'Timestamp Location',
			'Event ID Location',
			'Event Type Location',
			'Store ID Location',
		]);
		expect(visibleFields('square').filter((f) => f.name.startsWith('custom'))).toEqual([]);
	});

	it("shows one setup line for the chosen POS with a link to its README section", () => {
		const notices = visibleFields('square').filter((f) => f.type === 'notice');
		expect(notices).toHaveLength(1);
		expect(notices[0].displayName).toContain('Square Developer Console');
		expect(notices[0].displayName).toContain('#square"');
		expect(notices[0].displayName.replace(/<[^>]+>/g, '').length).toBeLessThan(160);
	});

	it("links every provider's setup line to an existing README section", () => {
		const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
		const anchors = new Set(readme.split('\n').filter((l) => /^#{2,4} /.test(l)).map((l) => l.replace(/^#+ /, '').trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')));
		for (const p of PROVIDERS) {
			const notice = visibleFields(p.id).find((f) => f.type === 'notice')!;
			expect(anchors).toContain(/#([\w-]+)"/.exec(notice.displayName)![1]);
		}
		expect(anchors).toContain(new URL(cred.documentationUrl).hash.slice(1));
	});

	it('keeps every secret in a password field and the token help visible', () => {
		for (const f of cred.properties.filter((p) => ['signingSecret', 'previousSigningSecret', 'apiToken'].includes(p.name))) {
			expect(f.typeOptions?.password).toBe(true);
		}
		expect(field('stripe', 'apiToken')?.displayName).toBe('Restricted API Key');
		expect(field('shopify', 'apiToken')?.displayName).toBe('Admin API Access Token');
	});

	it('is found by the credential search for "square" (the editor matches the display name)', () => {
		// Short, because n8n writes "Connect to <name without API>" and "<...> account" with it.
		expect(cred.displayName).toBe('Square or Other POS API');
		for (const word of ['square', 'pos']) expect(cred.displayName.toLowerCase()).toContain(word);
		expect(cred.displayName.endsWith(' API')).toBe(true);
	});

	it('authenticates the POS node with the token as a Bearer header', () => {
		expect(cred.authenticate.properties.headers?.Authorization).toBe('=Bearer {{$credentials.apiToken}}');
	});
});

describe('POS API credential test (n8n runs it through the nodes\u2019 testedBy)', () => {
	it('is found the way n8n 2.41 finds it: the first node listing posApi with testedBy holds the function', () => {
		// n8n's CredentialsTester.getCredentialTestFunction: no `test` on the credential, then the
		// nodes in load order (package.json), the first with testedBy answers node.methods.credentialTest[testedBy].
		expect((cred as { test?: unknown }).test).toBeUndefined();
		const byFile: Record<string, { description: { credentials?: Array<{ name: string; testedBy?: unknown }> }; methods?: { credentialTest?: Record<string, unknown> } }> = {
			'dist/nodes/Pos/Pos.node.js': new Pos(),
			'dist/nodes/PosWebhookTrigger/PosWebhookTrigger.node.js': new PosWebhookTrigger(),
		};
		const first = packageJson.n8n.nodes.map((file) => byFile[file]).find((n) => n.description.credentials?.some((c) => c.name === 'posApi' && c.testedBy));
		const testedBy = first!.description.credentials!.find((c) => c.name === 'posApi')!.testedBy as string;
		expect(first!.methods?.credentialTest?.[testedBy]).toBe(posApiCredentialTest);
		// Whichever comes first: every node naming the test holds it, so the package.json order is moot.
		for (const [file, node] of Object.entries(byFile)) {
			const name = node.description.credentials?.find((c) => c.name === 'posApi')?.testedBy as string;
			expect([file, node.methods?.credentialTest?.[name]]).toEqual([file, posApiCredentialTest]);
		}
	});

	it('with no API token: checks the secret form only, calls nothing, and says the trigger works', async () => {
		const result = await runTest({ provider: 'stripe', signingSecret: 'whsec_abc123' });
		expect(result).toEqual({
			status: 'OK',
			message: "The Webhook Signing Secret has the right form for Stripe. No API token: the POS Webhook Trigger works; the POS node's API operations need one.",
			calls: 0,
		});
	});

	it.each([
		['stripe', 'abc', /starts with whsec_/],
		['square', 'EAAAl0ngAcc3ssT0ken', /looks like an API key or access token, not the Signature Key/],
		['shopify', 'shpat_0123456789abcdef', /not the Client Secret/],
		['standardWebhooks', 'whsec_not base64!', /whsec_ followed by base64/],
	])('%s: refuses a secret of the wrong form (%s) without calling the API', async (provider, signingSecret, message) => {
		const result = await runTest({ provider, signingSecret, apiToken: 'token' });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(message);
		expect(result.calls).toBe(0);
	});

	it('refuses a Custom HMAC scheme the trigger could not verify with, in the trigger\u2019s own words', async () => {
		const result = await runTest({ provider: 'custom', signingSecret: 's', customSignedPayload: '{timestamp}.{body}', apiToken: 't' });
		expect(result).toEqual({
			status: 'Error',
			message: 'POS API credential: Signed Payload uses {timestamp}: set Timestamp Location to where the POS sends it',
			calls: 0,
		});
		const labels = cred.properties.map((p) => p.displayName);
		expect(labels).toEqual(expect.arrayContaining(['Signed Payload', 'Timestamp Location']));
	});

	it.each([
		['stripe', '/v1/events?limit=1', { authorization: 'Bearer tok_1' }],
		['square', '/v2/locations', { authorization: 'Bearer tok_1' }],
		['toast', '/restaurants/v1/groups', { authorization: 'Bearer tok_1' }],
		['shopify', '/admin/api/2025-07/shop.json', { 'x-shopify-access-token': 'tok_1' }],
		['standardWebhooks', '/events?limit=1', { authorization: 'Bearer tok_1' }],
	])('%s with a token: calls %s with the provider\u2019s own auth header', async (provider, path, header) => {
		const api = await fakeApi(200);
		try {
			const signingSecret = provider === 'stripe' || provider === 'standardWebhooks' ? 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' : 'secret';
			const result = await runTest({ provider, signingSecret, apiToken: 'tok_1', baseUrl: `${api.url}/` });
			expect(result.status).toBe('OK');
			expect(api.seen.map((s) => s.path)).toEqual([path]);
			expect(api.seen[0].headers).toMatchObject(header);
			if (provider === 'shopify') expect(api.seen[0].headers.authorization).toBeUndefined();
		} finally {
			await api.close();
		}
	});

	it('a refused token is reported as such, with the HTTP status and no secret echoed', async () => {
		const api = await fakeApi(401);
		try {
			const result = await runTest({ provider: 'square', signingSecret: 'sig-key', apiToken: 'EAAAsecret-token', baseUrl: api.url });
			expect(result).toEqual({ status: 'Error', message: 'Square refused the Access Token (HTTP 401): check it and its permissions', calls: 1 });
		} finally {
			await api.close();
		}
	});

	it('a token without a base URL where the POS has no public API asks for the URL', async () => {
		const result = await runTest({ provider: 'custom', signingSecret: 's', apiToken: 't', customEventIdLocation: 'body:id' });
		expect(result).toEqual({ status: 'Error', message: 'Enter the API Base URL to test the API Token', calls: 0 });
	});
});
