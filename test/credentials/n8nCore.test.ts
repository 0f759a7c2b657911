/**
 * The package as n8n-core 2.41 itself loads and tests it: its PackageDirectoryLoader reads the built
 * package (codex files, which node answers the credential test) and its CredentialTestContext runs
 * the credential test with n8n's real request helper. n8n-core is a dev dependency of the n8n-core
 * contract tests; where it is not installed, this file says so and runs nothing.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const hasN8nCore = (() => {
	try {
		require.resolve('n8n-core');
		return true;
	} catch {
		return false;
	}
})();
const describeWithN8nCore = hasN8nCore ? describe : describe.skip;
if (!hasN8nCore) console.warn('n8n-core is not installed: the n8n-core loader and credential-test checks are skipped');

describeWithN8nCore('n8n-core 2.41 loads and tests the package', () => {
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-n8n-core-'));
	// n8n-core's InstanceSettings writes below N8N_USER_FOLDER: never the user's home.
	process.env.N8N_USER_FOLDER = userFolder;
	process.env.N8N_LOG_LEVEL = 'silent';
	afterAll(() => fs.rmSync(userFolder, { recursive: true, force: true }));

	const core = () => require('n8n-core') as {
		PackageDirectoryLoader: new (dir: string) => {
			loadAll(): Promise<void>;
			nodeTypes: Record<string, { type: { description: { codex?: { categories?: string[]; alias?: string[] } } } }>;
			known: { credentials: Record<string, { supportedNodes?: string[] }> };
		};
		CredentialTestContext: new (additionalData: object) => unknown;
	};

	test('the codex files reach the node descriptions; the POS node is the first to answer the credential test', async () => {
		expect(fs.existsSync(path.join(root, 'dist/nodes/Pos/Pos.node.json'))).toBe(true); // npm run build first
		const loader = new (core().PackageDirectoryLoader)(root);
		await loader.loadAll();
		for (const name of ['pos', 'posWebhookTrigger']) {
			const codex = loader.nodeTypes[name].type.description.codex!;
			expect(codex.categories).toEqual(['Sales', 'Finance & Accounting']);
			expect(codex.alias).toEqual(expect.arrayContaining(['Square', 'Toast', 'POS', 'Restaurant']));
		}
		expect(loader.known.credentials.posApi.supportedNodes).toEqual(['pos', 'posWebhookTrigger']);
	});

	test('the credential test through CredentialTestContext: no token, a token, a refused token, Shopify\u2019s header, no redirect', async () => {
		const seen: Array<[string, string | undefined, string | undefined]> = [];
		const server = http.createServer((req, res) => {
			seen.push([req.url ?? '', req.headers['x-shopify-access-token'] as string | undefined, req.headers.authorization]);
			if (req.url?.startsWith('/moved')) return void res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' }).end();
			res.writeHead(req.headers.authorization === 'Bearer refused' ? 401 : 200, { 'content-type': 'application/json' }).end('{}');
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		const { posApiCredentialTest } = require(path.join(root, 'dist/nodes/Pos/methods/credentialTest.js'));
		const context = new (core().CredentialTestContext)({});
		const run = async (data: Record<string, string>) => await posApiCredentialTest.call(context, { id: '1', name: 'POS', type: 'posApi', data });
		try {
			expect((await run({ provider: 'square', signingSecret: 'key' })).status).toBe('OK');
			expect(await run({ provider: 'square', signingSecret: 'key', apiToken: 'good', baseUrl: base })).toEqual({
				status: 'OK',
				message: 'The Signature Key has the right form and Square accepted the Access Token',
			});
			expect(await run({ provider: 'square', signingSecret: 'key', apiToken: 'refused', baseUrl: base })).toEqual({
				status: 'Error',
				message: 'Square refused the Access Token (HTTP 401): check it and its permissions',
			});
			expect((await run({ provider: 'shopify', signingSecret: 'key', apiToken: 'shop-token', baseUrl: base })).status).toBe('OK');
			expect((await run({ provider: 'custom', signingSecret: 'key', apiToken: 't', baseUrl: `${base}/moved` })).status).toBe('Error');
			expect(seen).toEqual([
				['/v2/locations', undefined, 'Bearer good'],
				['/v2/locations', undefined, 'Bearer refused'],
				['/admin/api/2025-07/shop.json', 'shop-token', undefined],
				['/moved/events?limit=1', undefined, 'Bearer t'],
			]);
		} finally {
			await new Promise((resolve) => server.close(resolve));
		}
	});
});
