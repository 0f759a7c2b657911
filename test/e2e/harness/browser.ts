/**
 * A real browser on n8n's editor: playwright-core driving Debian's Chromium (`/usr/bin/chromium`,
 * installed by scripts/ensure-chromium.sh; POS_E2E_CHROMIUM overrides the path), headless, with
 * background networking off and a fresh profile in a temp folder, removed by close().
 *
 *   const browser = await openBrowser();
 *   await browser.page.goto(n8n.baseUrl);
 *   expect(browser.unexpectedErrors()).toEqual([]);
 *   await browser.close();
 *
 * Every console error and uncaught page error is recorded; unexpectedErrors() leaves out only the
 * ones listed in HARMLESS_EDITOR_ERRORS (n8n's look-ups of its own online services, which fail on an
 * offline machine and have nothing to do with this package).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, selectors, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.POS_E2E_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
];

export interface EditorError {
	kind: 'console' | 'pageerror';
	text: string;
	/** The URL the error is about, when the browser says. */
	url?: string;
}

/**
 * Errors the editor logs that are NOT about this package, each with its reason. Nothing else is
 * filtered: any other console error fails the editor test.
 */
export const HARMLESS_EDITOR_ERRORS: ReadonlyArray<{ why: string; matches: (e: EditorError) => boolean }> = [
	{
		// n8n's front end asks n8n's own online services (api.n8n.io: templates, versions, dynamic
		// banners, the nodes panel's "community nodes" preview; telemetry) even with diagnostics off;
		// the test machine is offline, so those fail. The package makes no such request.
		why: "n8n's look-ups of its online services (n8n.io, telemetry) fail offline",
		matches: (e) => /(^|\/\/|\.)(n8n\.io|n8n\.cloud|rudderstack\.com|rudderlabs\.com|posthog\.com|sentry\.io)\b/i.test(`${e.url ?? ''} ${e.text}`),
	},
	{
		// A community node's details in the nodes panel: n8n's editor asks the npm registry about the
		// package (https://registry.npmjs.org/<package>) from the browser; offline, that fails. Only
		// that URL, only as a failed resource load.
		why: "n8n's editor looks the community package up on registry.npmjs.org, offline",
		matches: (e) =>
			e.kind === 'console' && /^Failed to load resource: net::ERR_/.test(e.text) && /^https:\/\/registry\.npmjs\.org\/n8n-nodes-pos-webhooks\/?$/.test(e.url ?? ''),
	},
];

export interface EditorBrowser {
	readonly context: BrowserContext;
	readonly page: Page;
	/** Every error seen so far, harmless ones included. */
	errors(): EditorError[];
	/** The errors not listed in HARMLESS_EDITOR_ERRORS. */
	unexpectedErrors(): EditorError[];
	close(): Promise<void>;
}

export interface OpenBrowserOptions {
	viewport?: { width: number; height: number };
}

export async function openBrowser(options: OpenBrowserOptions = {}): Promise<EditorBrowser> {
	if (!existsSync(CHROMIUM_PATH)) {
		throw new Error(`Chromium is not at ${CHROMIUM_PATH}: run scripts/ensure-chromium.sh (npm test does) or set POS_E2E_CHROMIUM`);
	}
	// n8n's editor marks its elements with data-test-id (page.getByTestId looks for data-testid by default).
	selectors.setTestIdAttribute('data-test-id');
	// A fresh profile every time (playwright passes it as --user-data-dir).
	const profile = mkdtempSync(join(tmpdir(), 'pos-e2e-chromium-'));
	let context: BrowserContext;
	try {
		context = await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM_PATH,
			headless: true,
			args: CHROMIUM_ARGS,
			viewport: options.viewport ?? { width: 1440, height: 900 },
			deviceScaleFactor: 1,
			locale: 'en-US',
			timezoneId: 'UTC',
		});
	} catch (error) {
		rmSync(profile, { recursive: true, force: true });
		throw error;
	}
	const seen: EditorError[] = [];
	const watch = (page: Page) => {
		page.on('console', (message) => {
			if (message.type() === 'error') seen.push({ kind: 'console', text: message.text(), url: message.location().url || undefined });
		});
		page.on('pageerror', (error) => seen.push({ kind: 'pageerror', text: `${error.name}: ${error.message}` }));
	};
	context.on('page', watch); // pages opened later
	const first = context.pages()[0];
	if (first) watch(first);
	const page = first ?? (await context.newPage());

	let closed = false;
	return {
		context,
		page,
		errors: () => [...seen],
		unexpectedErrors: () => seen.filter((e) => !HARMLESS_EDITOR_ERRORS.some((h) => h.matches(e))),
		close: async () => {
			if (closed) return;
			closed = true;
			await context.close().catch(() => undefined);
			rmSync(profile, { recursive: true, force: true });
		},
	};
}

/**
 * n8n answers /healthz (what startN8n waits for) before its REST API and editor are served: until
 * then every path answers 200 "n8n is starting up. Please wait", even POST /rest/owner/setup. Waits
 * until /rest/settings answers JSON.
 */
export async function waitForEditor(baseUrl: string, timeoutMs = 120_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const answer = await fetch(`${baseUrl}/rest/settings`).catch(() => undefined);
		if (answer?.status === 200 && (answer.headers.get('content-type') ?? '').includes('application/json')) return;
		if (Date.now() > deadline) throw new Error(`n8n's REST API did not come up within ${timeoutMs} ms (${baseUrl}/rest/settings: ${answer?.status ?? 'no answer'})`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

export interface Owner {
	email: string;
	firstName: string;
	lastName: string;
	password: string;
}

/** Sets up n8n's owner account through its REST API and signs the browser in as the owner. */
export async function signInAsNewOwner(browser: EditorBrowser, baseUrl: string, owner: Owner): Promise<void> {
	const request = browser.context.request;
	const setup = await request.post(`${baseUrl}/rest/owner/setup`, { data: owner });
	if (setup.status() !== 200 || !(await setup.text()).includes(owner.email)) {
		throw new Error(`n8n's owner setup answered ${setup.status()}: ${(await setup.text()).slice(0, 300)}`);
	}
	const login = await request.post(`${baseUrl}/rest/login`, { data: { emailOrLdapLoginId: owner.email, password: owner.password } });
	const cookies = await browser.context.cookies(baseUrl);
	if (login.status() !== 200 || !cookies.some((c) => c.name === 'n8n-auth')) {
		throw new Error(`n8n's login answered ${login.status()} and set no n8n-auth cookie: ${(await login.text()).slice(0, 300)}`);
	}
}
