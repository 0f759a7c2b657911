/**
 * Property-based tests for the classes behind the hardening issue: signature spellings,
 * header-carried fields, paging cursors, saved-ledger corruption and the raw-JSON reader that
 * lets signatures be checked before parsing. Deliveries go through webhook().
 */
import { createHmac } from 'node:crypto';

import fc from 'fast-check';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { listEvents, type EventsApiAdapter } from '../../../nodes/Pos/transport/events';
import { PosWebhookTrigger } from '../../../nodes/PosWebhookTrigger/PosWebhookTrigger.node';
import { DIGEST_CHARS, digestOf, Ledger } from '../../../nodes/shared/ledger/Ledger';
import { resetLedgersForTest } from '../../../nodes/shared/ledger/registry';
import { pathValue, text } from '../../../nodes/shared/providers/fields';
import { scanJsonScalar } from '../../../nodes/shared/providers/rawJson';
import type { PosCredentialData } from '../../../nodes/shared/providers/types';
import { fakeWebhookContext, type FakeRequest } from '../../helpers/webhookContext';

const node = new PosWebhookTrigger();
const RUNS = 60;
let workflowCounter = 0;

async function outcomeOf(credential: PosCredentialData, request: FakeRequest, workflowId: string, parameters: IDataObject = {}) {
	const run = fakeWebhookContext(request, { credential, credentialId: `prop-${credential.provider}`, workflowId, parameters });
	const result = await node.webhook.call(run.ctx);
	if (result.workflowData) return 'accepted';
	return (result.webhookResponse as { status?: string } | undefined)?.status ?? run.response.status;
}

beforeEach(() => resetLedgersForTest());

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** A text that decodes (leniently) to the same bytes as the canonical padded base64 `sig`. */
const respelling = (sig: string) =>
	fc
		.record({ unpad: fc.boolean(), url: fc.boolean(), lowBits: fc.integer({ min: 0, max: 3 }) })
		.map(({ unpad, url, lowBits }) => {
			let s = sig.replace(/=+$/, '');
			const last = BASE64.indexOf(s[s.length - 1]);
			s = s.slice(0, -1) + BASE64[(last & ~3) | lowBits];
			if (url) s = s.replace(/\+/g, '-').replace(/\//g, '_');
			if (!unpad) s += '=';
			return s;
		});

describe('signature spellings', () => {
	it('Shopify: once a request is accepted, no spelling of its signature under any new id starts an execution', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.uint8Array({ minLength: 1, maxLength: 200 }),
				fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.nat()), { minLength: 1, maxLength: 8 }),
				async (bytes, replays) => {
					const body = JSON.stringify({ blob: Buffer.from(bytes).toString('hex') });
					const sig = createHmac('sha256', 's').update(body).digest('base64');
					const workflowId = `wf-prop-shopify-${++workflowCounter}`;
					const cred: PosCredentialData = { provider: 'shopify', signingSecret: 's' };
					const send = (signature: string, id: string) =>
						outcomeOf(cred, { headers: { 'x-shopify-hmac-sha256': signature, 'x-shopify-webhook-id': id, 'x-shopify-topic': 'orders/paid' }, body }, workflowId);
					if ((await send(sig, 'original')) !== 'accepted') return false;
					for (const [id, seed] of replays) {
						const variants = fc.sample(respelling(sig), { seed, numRuns: 1 });
						const outcome = await send(variants[0], `replay-${id}`);
						if (outcome === 'accepted') return false;
						if (variants[0] === sig ? outcome !== 'duplicate' : outcome !== 401) return false;
					}
					return true;
				},
			),
			{ numRuns: RUNS },
		);
	});

	it('Custom (id in a header): case changes and junk signatures anywhere beside the real one are duplicates', async () => {
		const hexSig = fc.stringMatching(/^[0-9a-fA-F]{64}$/);
		await fc.assert(
			fc.asyncProperty(fc.string({ maxLength: 80 }), fc.array(hexSig, { maxLength: 4 }), fc.nat(), fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }), async (note, junk, position, upper) => {
				const body = JSON.stringify({ type: 'order.paid', note });
				const sig = createHmac('sha256', 'k').update(body).digest('hex');
				const cred: PosCredentialData = { provider: 'custom', signingSecret: 'k', customEventIdLocation: 'header:x-event-id' };
				const workflowId = `wf-prop-custom-${++workflowCounter}`;
				if ((await outcomeOf(cred, { headers: { 'x-signature': sig, 'x-event-id': 'first' }, body }, workflowId)) !== 'accepted') return false;
				const spelled = [...sig].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('');
				const all = [...junk];
				all.splice(position % (junk.length + 1), 0, spelled);
				const outcome = await outcomeOf(cred, { headers: { 'x-signature': all.join(' '), 'x-event-id': 'second' }, body }, workflowId);
				return outcome === 'duplicate';
			}),
			{ numRuns: RUNS },
		);
	});
});

describe('header-carried fields', () => {
	it('Shopify: after one signed request, any sequence of (id, topic) headers on the same bytes starts no second execution', async () => {
		const topic = fc.constantFrom('orders/paid', 'orders/create', 'orders/updated', 'refunds/create', 'ORDERS/PAID');
		await fc.assert(
			fc.asyncProperty(topic, fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), topic), { minLength: 1, maxLength: 10 }), async (firstTopic, replays) => {
				const body = JSON.stringify({ id: ++workflowCounter });
				const sig = createHmac('sha256', 's').update(body).digest('base64');
				const cred: PosCredentialData = { provider: 'shopify', signingSecret: 's' };
				const workflowId = `wf-prop-topic-${workflowCounter}`;
				const parameters = { events: 'orders/paid, orders/create' };
				const send = (id: string, t: string) =>
					outcomeOf(cred, { headers: { 'x-shopify-hmac-sha256': sig, 'x-shopify-webhook-id': id, 'x-shopify-topic': t }, body }, workflowId, parameters);
				const first = await send('w-first', firstTopic);
				let executions = first === 'accepted' ? 1 : 0;
				for (const [id, t] of replays) if ((await send(id, t)) === 'accepted') executions++;
				return executions <= 1;
			}),
			{ numRuns: RUNS },
		);
	});
});

describe('cursors', () => {
	const ctx = { getNode: () => ({ name: 'POS', type: 'pos', typeVersion: 1, position: [0, 0], parameters: {}, id: 'n' }) } as unknown as IExecuteFunctions;

	it('a listing ends, or fails with a NodeApiError, within Max Pages, whatever cursors the API sends', async () => {
		await fc.assert(
			fc.asyncProperty(fc.array(fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', ''), { nil: undefined }), { maxLength: 40 }), fc.integer({ min: 1, max: 30 }), async (cursors, maxPages) => {
				let fetched = 0;
				const adapter: EventsApiAdapter = {
					maxPageSize: 10,
					async fetchPage() {
						const cursor = fetched < cursors.length ? cursors[fetched] : `fresh-${fetched}`; // then new cursors for ever
						fetched++;
						return { events: [], cursor };
					},
				};
				try {
					const pages = await listEvents(ctx, adapter, { startMs: 0, endMs: 1 }, { pageSize: 10, maxPages, generic: {} as never, call: { baseUrl: 'x', itemIndex: 0, maxRetries: 0 } }, () => true);
					// Ended: the cursor that ended it was absent or empty, and no cursor repeated before.
					const last = cursors[pages - 1];
					return pages <= maxPages && pages === fetched && (last === undefined || last === '');
				} catch (error) {
					return error instanceof NodeApiError && fetched <= maxPages;
				}
			}),
			{ numRuns: 200 },
		);
	});
});

describe('saved-ledger corruption', () => {
	const mutation = fc.oneof(
		fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
		fc.record({ kind: fc.constant('append' as const), text: fc.string({ minLength: 1, maxLength: 20 }) }),
		fc.record({ kind: fc.constant('encode' as const) }),
		fc.record({ kind: fc.constant('replace' as const), value: fc.oneof(fc.integer(), fc.constant(null), fc.string(), fc.array(fc.integer())) }),
	);

	it('restore never throws, keeps every id of untouched buckets and the complete digests before any damage, and reports damage', () => {
		fc.assert(
			fc.property(fc.array(fc.tuple(fc.nat({ max: 5 }), fc.string({ minLength: 1, maxLength: 10 })), { minLength: 1, maxLength: 40 }), fc.nat(), mutation, (claims, which, m) => {
				const t0 = Date.now();
				const ledger = new Ledger(72 * 3_600_000);
				const ids = new Set<string>();
				for (const [hour, id] of claims) if (ledger.claim(id, t0 - hour * 3_600_000 + 1)) ids.add(id);
				const saved = JSON.parse(JSON.stringify(ledger)) as { buckets: Record<string, unknown> };
				const keys = Object.keys(saved.buckets);
				const target = keys[which % keys.length];
				const original = saved.buckets[target] as string;
				if (m.kind === 'truncate') saved.buckets[target] = original.slice(0, m.at % (original.length + 1));
				else if (m.kind === 'append') saved.buckets[target] = original + m.text;
				else if (m.kind === 'encode') saved.buckets[target] = JSON.stringify(original);
				else saved.buckets[target] = m.value;
				const restored = Ledger.restore(JSON.parse(JSON.stringify(saved)), 72 * 3_600_000);
				if (restored.damage?.unusable) return false;
				const changed = saved.buckets[target] !== original;
				if (changed && m.kind !== 'append' && m.kind !== 'truncate' && !restored.damage) return false;
				for (const id of ids) {
					const digest = digestOf(id);
					const inTarget = original.indexOf(digest) % DIGEST_CHARS === 0 && original.includes(digest);
					let mustKeep = !inTarget;
					if (inTarget) {
						const end = original.indexOf(digest) + DIGEST_CHARS;
						const survived = typeof saved.buckets[target] === 'string' ? (saved.buckets[target] as string) : '';
						// Kept when the mutation left it whole: encoded, appended after, or truncated after it.
						mustKeep = m.kind === 'encode' || m.kind === 'append' || (m.kind === 'truncate' && survived.length >= end);
					}
					if (mustKeep && !restored.has(id, t0)) return false;
				}
				return true;
			}),
			{ numRuns: 300 },
		);
	});

	it('a form this version cannot read is marked unusable and saved back unchanged', () => {
		fc.assert(
			fc.property(fc.oneof(fc.integer({ min: 2 }), fc.string(), fc.constant(0)), fc.jsonValue(), (v, extra) => {
				const data = { v, buckets: { '1': 'AAAAAAAAAAAA' }, extra };
				const restored = Ledger.restore(data, 3_600_000);
				return restored.damage?.unusable === true && (restored.toJSON() as unknown) === data && restored.size === 0;
			}),
		);
	});
});

describe('raw JSON reader (signed fields read before parsing)', () => {
	const key = fc.constantFrom('timestamp', 'id', 'a', 'meta', 'b.c', '', 'é', '"q"', 'back\\slash', '0', '1', '01');
	const json = fc.dictionary(
		key,
		fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.dictionary(key, fc.jsonValue({ maxDepth: 2 })), fc.array(fc.dictionary(key, fc.jsonValue({ maxDepth: 1 })), { maxLength: 3 })),
	);

	it('reads the same scalar as JSON.parse at any path, in compact or indented JSON', () => {
		fc.assert(
			fc.property(json, fc.array(key, { minLength: 1, maxLength: 3 }), fc.boolean(), (value, segments, indent) => {
				const path = segments.filter((s) => !s.includes('.')).join('.');
				if (path === '') return true;
				const textJson = indent ? JSON.stringify(value, null, 2) : JSON.stringify(value);
				return scanJsonScalar(textJson, path) === text(pathValue(JSON.parse(textJson), path));
			}),
			{ numRuns: 500 },
		);
	});

	it('never throws on arbitrary text', () => {
		fc.assert(
			fc.property(fc.string({ maxLength: 200 }), fc.constantFrom('timestamp', 'a.b', 'x'), (s, path) => {
				scanJsonScalar(s, path);
				scanJsonScalar(`{"timestamp":${s}`, path);
				return true;
			}),
			{ numRuns: 500 },
		);
	});
});
