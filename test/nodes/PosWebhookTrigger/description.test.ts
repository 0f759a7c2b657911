import fs from 'node:fs';
import path from 'node:path';

import { Expression, NodeHelpers, type INodeProperties } from 'n8n-workflow';

import { Pos } from '../../../nodes/Pos/Pos.node';
import { PosWebhookTrigger } from '../../../nodes/PosWebhookTrigger/PosWebhookTrigger.node';
import { COMMON_EVENT_TYPES, readEventTypes } from '../../../nodes/PosWebhookTrigger/description';
import packageJson from '../../../package.json';

const root = path.resolve(__dirname, '../../..');
const description = new PosWebhookTrigger().description;
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

/** GitHub's anchor for a README heading. */
function slug(heading: string): string {
	return heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');
}
const readmeAnchors = new Set(readme.split('\n').filter((l) => /^#{1,4} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))));

/** Evaluates a node's subtitle with n8n's own expression engine, $parameter bound as the editor binds it. */
function subtitle(node: { description: { subtitle?: string } }, parameters: Record<string, unknown>): unknown {
	return Expression.resolveWithoutWorkflow(node.description.subtitle!.replace(/^=/, ''), { $parameter: parameters });
}

describe('POS Webhook Trigger description (what the editor shows)', () => {
	test('one short setup line with a link to the README, not every provider\u2019s steps', () => {
		const notice = description.properties.find((p) => p.name === 'setupNotice')!;
		const text = notice.displayName.replace(/<[^>]+>/g, '');
		expect(text.length).toBeLessThan(200);
		for (const provider of ['Stripe', 'Square', 'Shopify', 'Toast']) expect(text).not.toContain(provider);
		const link = /href="[^"#]+#([^"]+)"/.exec(notice.displayName)![1];
		expect(readmeAnchors.has(link)).toBe(true);
	});

	test('the HTTPS notice speaks to a restaurant owner, not to an n8n admin', () => {
		const notice = description.properties.find((p) => p.name === 'httpsNotice')!;
		expect(notice.displayName).toContain('https');
		expect(notice.displayName).not.toMatch(/WEBHOOK_URL|TLS/);
	});

	test('Event Types: a list of each POS\u2019s common events, sorted, plus Other Event Types for any name', () => {
		const eventTypes = description.properties.find((p) => p.name === 'eventTypes')!;
		expect(eventTypes).toMatchObject({ displayName: 'Event Types', type: 'multiOptions', default: [] });
		const options = eventTypes.options as Array<{ name: string; value: string }>;
		expect(options.map((o) => o.name)).toEqual([...options.map((o) => o.name)].sort((a, b) => a.localeCompare(b)));
		expect(new Set(options.map((o) => o.value)).size).toBe(options.length);
		for (const [id, { label, events }] of Object.entries(COMMON_EVENT_TYPES)) {
			expect([id, options.filter((o) => o.name.startsWith(`${label}: `)).map((o) => o.value).sort()]).toEqual([id, [...events].sort()]);
			for (const event of events) expect(readme).toContain(`\`${event}\``);
		}
		expect(options).toContainEqual({ name: 'Square: order.created', value: 'order.created', description: 'A new order' });
		// Each says what it means in plain words.
		expect(options.filter((o) => !(o as { description?: string }).description)).toEqual([]);
		expect(readmeAnchors.has(/#([\w-]+)"/.exec(eventTypes.hint!)![1])).toBe(true);
		const other = description.properties.find((p) => p.name === 'otherEventTypes')!;
		expect(other).toMatchObject({ displayName: 'Other Event Types', type: 'string', default: '' });
	});

	test('the earlier free-text Event Types (saved version-1 workflows) shows only while it holds more than "*"', () => {
		const events = description.properties.find((p) => p.name === 'events')!;
		expect(events).toMatchObject({ type: 'string', default: '*' });
		const shown = (value: unknown) => NodeHelpers.displayParameter({ events: value } as never, events, null, description);
		// undefined: a new node in the editor (its parameters hold no value yet).
		expect([shown(undefined), shown(''), shown('*'), shown(' * '), shown('order.paid'), shown('payment.*, refund.created')]).toEqual([false, false, false, false, true, true]);
	});

	test.each([
		[{}, '*'],
		[{ events: '*' }, '*'],
		[{ events: 'order.paid' }, 'order.paid'],
		[{ eventTypes: ['order.created', 'payment.updated'] }, 'order.created, payment.updated'],
		[{ eventTypes: ['order.created'], otherEventTypes: ' invoice.paid , payment.* ' }, 'order.created, invoice.paid, payment.*'],
		[{ events: 'order.paid, refund.*', eventTypes: ['order.paid'], otherEventTypes: '' }, 'order.paid, refund.*'],
		[{ eventTypes: [], otherEventTypes: ' , ' }, '*'],
	])('readEventTypes %j -> %s (what the trigger and Reconcile filter with)', (parameters, expected) => {
		const get = (name: string, fallback: unknown) => (name in parameters ? (parameters as Record<string, unknown>)[name] : fallback);
		expect(readEventTypes(get)).toBe(expected);
	});

	test('no display condition is a regex: n8n checks displayOptions several times per webhook request and runs a regex in a vm with a timeout', () => {
		const conditions = JSON.stringify(description.properties.map((p) => p.displayOptions ?? {}));
		expect(conditions).not.toContain('"regex"');
	});

	test('the Square Notification URL says it is Square only, with visible help, and shows only when a saved workflow set it', () => {
		const url = description.properties.find((p) => p.name === 'notificationUrl')!;
		expect(url.displayName).toBe('Square Notification URL');
		expect(url.hint).toMatch(/^Square only/);
		const shown = (value: unknown) => NodeHelpers.displayParameter({ notificationUrl: value } as never, url, null, description);
		expect([shown(undefined), shown(''), shown('https://pos.example.com/hooks/square')]).toEqual([false, false, true]);
	});

	test('placeholders in n8n\u2019s style ("e.g. ...") for free-text fields', () => {
		const walk = (props: INodeProperties[]): INodeProperties[] => props.flatMap((p) => [p, ...walk((p.options ?? []).filter((o): o is INodeProperties => 'type' in o))]);
		const placeholders = walk(description.properties).filter((p) => p.type === 'string' && p.placeholder).map((p) => p.placeholder);
		expect(placeholders).toEqual(['e.g. invoice.paid, payment.*', 'e.g. https://n8n.example.com/webhook/…/pos', 'e.g. customer.email, customer.phone_number']);
	});

	test('readable subtitles, evaluated by n8n\u2019s expression engine', () => {
		expect(subtitle(new PosWebhookTrigger(), { events: '*' })).toBe('All Events');
		expect(subtitle(new PosWebhookTrigger(), { events: 'order.created' })).toBe('Events: order.created');
		expect(subtitle(new PosWebhookTrigger(), { events: '*', eventTypes: [], otherEventTypes: '' })).toBe('All Events');
		expect(subtitle(new PosWebhookTrigger(), { events: '*', eventTypes: ['order.created', 'payment.updated'], otherEventTypes: 'invoice.paid' })).toBe(
			'Events: order.created, payment.updated, invoice.paid',
		);
		expect(subtitle(new Pos(), { resource: 'event', operation: 'reconcile' })).toBe('Reconcile Events');
		expect(subtitle(new Pos(), { resource: 'order', operation: 'get' })).toBe('Get Order');
		expect(subtitle(new Pos(), { resource: 'ledger', operation: 'getStats' })).toBe('Get Ledger Stats');
	});

	test('defaults as n8n resolves them', () => {
		const params = NodeHelpers.getNodeParameters(description.properties, {}, true, false, null, description);
		// No "events" (the earlier field hides itself; the trigger reads its default "*") and no notificationUrl.
		expect(params).toEqual({ setupNotice: '', httpsNotice: '', eventTypes: [], otherEventTypes: '', toleranceSeconds: 300, dedupe: true, dedupeWindowHours: 72, ledgerStorage: 'process', options: {} });
	});
});

describe('codex files (nodes panel category, search aliases, documentation)', () => {
	// n8n-core's DirectoryLoader.getCodex reads `${compiled node file}on`: X.node.js -> X.node.json.
	const nodes: Array<[string, string]> = packageJson.n8n.nodes.map((file) => [file, file.replace(/^dist\//, '').replace(/\.js$/, '.json')]);

	test.each(nodes)('%s has its codex file beside the source (and the build copies it beside the .js)', (distFile, sourceCodex) => {
		const codex = JSON.parse(fs.readFileSync(path.join(root, sourceCodex), 'utf8'));
		expect(codex.categories).toEqual(['Sales', 'Finance & Accounting']);
		expect(codex.alias).toEqual(
			expect.arrayContaining(['Square', 'Stripe', 'Shopify', 'Toast', 'Svix', 'POS', 'Point of Sale', 'Order', 'Payment', 'Restaurant', 'Loyalty', 'Webhook', 'HMAC', 'Dedupe']),
		);
		for (const doc of [...codex.resources.primaryDocumentation, ...codex.resources.credentialDocumentation]) {
			expect(readmeAnchors.has(new URL(doc.url).hash.slice(1))).toBe(true);
		}
		if (fs.existsSync(path.join(root, 'dist'))) {
			expect(JSON.parse(fs.readFileSync(path.join(root, `${distFile}on`), 'utf8'))).toEqual(codex);
		}
	});

	test('categories come from n8n\u2019s list (docs.n8n.io, node codex files)', () => {
		const allowed = ['Data & Storage', 'Finance & Accounting', 'Marketing & Content', 'Productivity', 'Miscellaneous', 'Sales', 'Development', 'Analytics', 'Communication', 'Utility'];
		for (const [, codexFile] of nodes) {
			for (const c of JSON.parse(fs.readFileSync(path.join(root, codexFile), 'utf8')).categories) expect(allowed).toContain(c);
		}
	});
});
