/**
 * The trigger's reply table (README, "What the trigger answers"), over real HTTP against a real n8n 2.41 with the
 * packed package installed as users get it. One n8n boot for the whole file.
 *
 * Each workflow is "POS Webhook Trigger -> HTTP Request (POST the item to a recorder)", so the
 * recorder shows which items started executions, and n8n's own database cross-checks the count.
 * "No execution" is proven with a sentinel: after the request under test, a fresh valid event is
 * sent; once its execution has reached the recorder and finished, the recorder must hold exactly
 * that one new item and n8n exactly one new execution.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';

import {
	nowSeconds,
	posCredential,
	post,
	progress,
	randomWhsecSecret,
	seconds,
	sleep,
	squareSignature,
	standardWebhooksHeaders,
	startN8n,
	startRecorder,
	stripeSignatureHeader,
	triggerWorkflow,
	type N8nInstance,
	type PostResult,
	type Recorder,
	type WorkflowJson,
} from './harness';

jest.setTimeout(120_000);

const ITEM_KEYS = ['data', 'id', 'occurredAt', 'provider', 'receivedAt', 'type'];

const secrets = {
	standardWebhooks: randomWhsecSecret(),
	standardWebhooksPrevious: randomWhsecSecret(),
	stripe: `whsec_${randomBytes(16).toString('hex')}`,
	square: randomBytes(16).toString('base64url'),
};

let n8n: N8nInstance;
let recorder: Recorder;
let suiteStarted = 0;

/** One provider's workflow under test and how to send it events. */
interface Flow {
	tag: string;
	workflow: WorkflowJson;
	webhookId: string;
	url(): string;
	/** Sends a new, valid, selected event; resolves with its id and n8n's reply. */
	sendNew(): Promise<{ id: string; res: PostResult }>;
}

// ---------- Standard Webhooks ----------
const swCredential = posCredential({
	provider: 'standardWebhooks',
	signingSecret: secrets.standardWebhooks,
	previousSigningSecret: secrets.standardWebhooksPrevious,
});

function swBody(type = 'order.created', extra: Record<string, unknown> = {}): string {
	return JSON.stringify({
		type,
		timestamp: new Date().toISOString(),
		data: { order_id: `ord_${randomUUID()}`, location_id: 'loc_downtown', total: 1250, currency: 'USD' },
		...extra,
	});
}

function swSend(
	flow: Flow,
	{ id = `msg_${randomUUID()}`, body = swBody(), timestamp = nowSeconds(), secret = secrets.standardWebhooks, contentType = 'application/json' } = {},
) {
	return post(flow.url(), body, { 'content-type': contentType, ...standardWebhooksHeaders(secret, { id, body, timestamp }) }).then((res) => ({ id, res }));
}

function swFlow(tag: string, webhookId: string): Flow {
	const flow: Flow = {
		tag,
		webhookId,
		workflow: undefined as unknown as WorkflowJson,
		url: () => n8n.triggerUrl(webhookId),
		sendNew: () => swSend(flow),
	};
	return flow;
}

const sw = swFlow('sw', `e2e-sw-${randomUUID().slice(0, 8)}`);
const storm = swFlow('storm', `e2e-storm-${randomUUID().slice(0, 8)}`);
const restart = swFlow('restart', `e2e-restart-${randomUUID().slice(0, 8)}`);

// ---------- Stripe ----------
const stripeCredential = posCredential({ provider: 'stripe', signingSecret: secrets.stripe });

function stripeBody(type = 'payment_intent.succeeded', overrides: Record<string, unknown> = {}): string {
	return JSON.stringify({
		id: `evt_${randomBytes(12).toString('hex')}`,
		object: 'event',
		type,
		created: nowSeconds(),
		account: 'acct_1StoreDowntown',
		livemode: false,
		data: { object: { id: `pi_${randomBytes(8).toString('hex')}`, object: 'payment_intent', amount: 1250, currency: 'usd' } },
		...overrides,
	});
}

function stripeSend(flow: Flow, { body = stripeBody(), timestamp = nowSeconds(), secret = secrets.stripe } = {}) {
	const id = String((JSON.parse(body) as { id?: unknown }).id ?? '');
	return post(flow.url(), body, { 'stripe-signature': stripeSignatureHeader(secret, body, timestamp) }).then((res) => ({ id, res }));
}

const stripeWebhookId = `e2e-stripe-${randomUUID().slice(0, 8)}`;
const stripe: Flow = {
	tag: 'stripe',
	webhookId: stripeWebhookId,
	workflow: undefined as unknown as WorkflowJson,
	url: () => n8n.triggerUrl(stripeWebhookId),
	sendNew: () => stripeSend(stripe),
};

// ---------- Square ----------
const squareCredential = posCredential({ provider: 'square', signingSecret: secrets.square });

function squareBody(type = 'order.created', overrides: Record<string, unknown> = {}): string {
	const orderId = randomUUID();
	return JSON.stringify({
		merchant_id: 'MERCHANT_E2E',
		location_id: 'LOC_E2E_1',
		type,
		event_id: randomUUID(),
		created_at: new Date().toISOString(),
		data: { type: 'order', id: orderId, object: { order_created: { order_id: orderId, location_id: 'LOC_E2E_1', state: 'OPEN' } } },
		...overrides,
	});
}

function squareSend(flow: Flow, { body = squareBody(), notificationUrl = flow.url(), key = secrets.square } = {}) {
	const id = String((JSON.parse(body) as { event_id?: unknown }).event_id ?? '');
	return post(flow.url(), body, { 'x-square-hmacsha256-signature': squareSignature(key, notificationUrl, body) }).then((res) => ({ id, res }));
}

const squareWebhookId = `e2e-square-${randomUUID().slice(0, 8)}`;
const square: Flow = {
	tag: 'square',
	webhookId: squareWebhookId,
	workflow: undefined as unknown as WorkflowJson,
	url: () => n8n.triggerUrl(squareWebhookId),
	sendNew: () => squareSend(square),
};

// ---------- helpers ----------

/** Runs `act`, then proves with a sentinel event that it started no execution. */
async function expectNoExecution(flow: Flow, act: () => Promise<void>): Promise<void> {
	const recorded = recorder.count(flow.tag);
	const executions = await n8n.executionCount(flow.workflow.id);
	await act();
	const sentinel = await flow.sendNew();
	expect(sentinel.res.status).toBe(200);
	await recorder.waitForCount(recorded + 1, { tag: flow.tag });
	await n8n.waitForExecutions(flow.workflow.id, executions + 1);
	await sleep(100);
	const items = recorder.bodies(flow.tag).slice(recorded);
	expect(items.map((i) => i.id)).toEqual([sentinel.id]);
	expect(await n8n.executionCount(flow.workflow.id)).toBe(executions + 1);
}

/**
 * Sends a new event with `send`, expects 200 accepted, one execution, one item; returns the item.
 * checkReplyBody false: only the status (for setup steps that test something else).
 */
async function expectOneExecution(flow: Flow, send: () => Promise<{ id: string; res: PostResult }>, checkReplyBody = true) {
	const recorded = recorder.count(flow.tag);
	const executions = await n8n.executionCount(flow.workflow.id);
	const { id, res } = await send();
	expect(res.status).toBe(200);
	// Let the execution finish before judging the reply, so a failure here leaves nothing running
	// into the next test.
	await recorder.waitForCount(recorded + 1, { tag: flow.tag });
	const rows = await n8n.waitForExecutions(flow.workflow.id, executions + 1);
	await sleep(100);
	if (checkReplyBody) expect(res.json).toEqual({ status: 'accepted', id });
	expect(rows).toHaveLength(executions + 1);
	expect(rows[rows.length - 1]).toMatchObject({ status: 'success', mode: 'webhook' });
	const items = recorder.bodies(flow.tag).slice(recorded);
	expect(items).toHaveLength(1);
	return { id, res, item: items[0] };
}

/** A 401/400 reply: short reason, nothing secret in it. */
function expectRejected(res: PostResult, status: 400 | 401, reason: string, mustNotContain: string[] = []): void {
	expect({ status: res.status, body: res.json }).toMatchObject({ status, body: { status: 'rejected', reason } });
	expect(res.text.length).toBeLessThan(300);
	for (const secret of [...Object.values(secrets), ...mustNotContain]) expect(res.text).not.toContain(secret);
}

function expectIsoNear(value: unknown, ms: number, slackMs = 120_000): void {
	expect(typeof value).toBe('string');
	expect(new Date(value as string).toISOString()).toBe(value);
	expect(Math.abs(Date.parse(value as string) - ms)).toBeLessThan(slackMs);
}

beforeAll(async () => {
	suiteStarted = Date.now();
	recorder = await startRecorder();
	sw.workflow = triggerWorkflow({
		name: 'e2e Standard Webhooks',
		credential: swCredential,
		webhookId: sw.webhookId,
		recorderUrl: recorder.urlFor(sw.tag),
		trigger: { events: 'order.*, payment.created' },
	});
	storm.workflow = triggerWorkflow({
		name: 'e2e duplicate storm',
		credential: swCredential,
		webhookId: storm.webhookId,
		recorderUrl: recorder.urlFor(storm.tag),
	});
	restart.workflow = triggerWorkflow({
		name: 'e2e restart',
		credential: swCredential,
		webhookId: restart.webhookId,
		recorderUrl: recorder.urlFor(restart.tag),
	});
	stripe.workflow = triggerWorkflow({
		name: 'e2e Stripe',
		credential: stripeCredential,
		webhookId: stripe.webhookId,
		recorderUrl: recorder.urlFor(stripe.tag),
		trigger: { events: 'payment_intent.succeeded, charge.*' },
	});
	square.workflow = triggerWorkflow({
		name: 'e2e Square',
		credential: squareCredential,
		webhookId: square.webhookId,
		recorderUrl: recorder.urlFor(square.tag),
		trigger: { events: 'order.*, payment.*', notificationUrl: '' },
	});
	n8n = await startN8n({
		credentials: [swCredential, stripeCredential, squareCredential],
		workflows: [sw.workflow, storm.workflow, restart.workflow, stripe.workflow, square.workflow],
	});
}, 45 * 60_000);

afterAll(async () => {
	const suiteMs = Date.now() - suiteStarted;
	if (n8n) {
		const t = n8n.timings;
		progress(
			`timings: provisioning ${seconds(t.provisionMs)}, build+pack ${seconds(t.packMs)}, n8n setup ${seconds(t.setupMs)}, ` +
				`boots ${t.bootMs.map(seconds).join(' / ')}, whole file ${seconds(suiteMs)}`,
		);
		await n8n.stop();
	}
	await recorder?.close();
}, 120_000);

describe('Standard Webhooks', () => {
	test('valid signature, new event id: 200 at once, exactly one execution with one item of the documented shape', async () => {
		const body = swBody('order.created');
		const sentAt = Date.now();
		const { id, res, item } = await expectOneExecution(sw, () => swSend(sw, { body }));
		progress(`accepted reply in ${res.durationMs.toFixed(0)} ms: ${res.status} ${res.headers.get('content-type')} ${res.text.slice(0, 60)}`);
		expect(res.durationMs).toBeLessThan(5000); // "within milliseconds"; generous for a shared 2-core machine
		// Found by this suite on n8n 2.41: without `responseData: ''` in the webhook description, n8n
		// answered an accepted event with the text "firstEntryJson" (text/html), not the node's JSON.
		expect(res.headers.get('content-type')).toContain('application/json');
		expect(Object.keys(item).sort()).toEqual([...ITEM_KEYS, 'locationId'].sort());
		const payload = JSON.parse(body) as { timestamp: string };
		expect(item).toEqual({
			id,
			type: 'order.created',
			occurredAt: payload.timestamp,
			provider: 'standardWebhooks',
			locationId: 'loc_downtown',
			data: JSON.parse(body),
			receivedAt: expect.any(String),
		});
		expectIsoNear(item.receivedAt, sentAt);
	});

	test('same event id again: 200 duplicate, no execution', async () => {
		const { id } = await expectOneExecution(sw, () => swSend(sw));
		await expectNoExecution(sw, async () => {
			// A retry: same id, same body, signed again later, as a POS does.
			const { res } = await swSend(sw, { id });
			expect(res.status).toBe(200);
			expect(res.json).toMatchObject({ status: 'duplicate' });
		});
	});

	test('event type not selected: 200 ignored, no execution', async () => {
		await expectNoExecution(sw, async () => {
			const { res } = await swSend(sw, { body: swBody('shift.started') });
			expect(res.status).toBe(200);
			expect(res.json).toMatchObject({ status: 'ignored', type: 'shift.started' });
		});
	});

	test('missing signature: 401, no execution', async () => {
		await expectNoExecution(sw, async () => {
			const body = swBody();
			const headers = standardWebhooksHeaders(secrets.standardWebhooks, { id: `msg_${randomUUID()}`, body });
			delete headers['webhook-signature'];
			expectRejected(await post(sw.url(), body, headers), 401, 'missing_signature');
		});
	});

	test('wrong signature (another secret): 401, the expected signature is not echoed', async () => {
		await expectNoExecution(sw, async () => {
			const id = `msg_${randomUUID()}`;
			const body = swBody();
			const timestamp = nowSeconds();
			const expected = standardWebhooksHeaders(secrets.standardWebhooks, { id, body, timestamp })['webhook-signature'];
			const { res } = await swSend(sw, { id, body, timestamp, secret: randomWhsecSecret() });
			expectRejected(res, 401, 'invalid_signature', [expected, expected.slice(3)]);
		});
	});

	test('body changed after signing: 401', async () => {
		await expectNoExecution(sw, async () => {
			const id = `msg_${randomUUID()}`;
			const body = swBody();
			const headers = standardWebhooksHeaders(secrets.standardWebhooks, { id, body });
			expectRejected(await post(sw.url(), body.replace('1250', '1'), headers), 401, 'invalid_signature');
		});
	});

	test('stale timestamp (10 minutes old, tolerance 300 s): 401', async () => {
		await expectNoExecution(sw, async () => {
			const { res } = await swSend(sw, { timestamp: nowSeconds() - 600 });
			expectRejected(res, 401, 'timestamp_too_old');
		});
	});

	test('future timestamp (10 minutes ahead): 401', async () => {
		await expectNoExecution(sw, async () => {
			const { res } = await swSend(sw, { timestamp: nowSeconds() + 600 });
			expectRejected(res, 401, 'timestamp_in_future');
		});
	});

	test('unparseable body (text/plain, validly signed): 400', async () => {
		await expectNoExecution(sw, async () => {
			const { res } = await swSend(sw, { body: 'order=1&total=12.50 not json', contentType: 'text/plain' });
			expectRejected(res, 400, 'unparseable_body');
		});
	});

	test('malformed application/json never reaches the node: n8n answers 422 itself, no execution', async () => {
		await expectNoExecution(sw, async () => {
			const { res } = await swSend(sw, { body: '{"type": "order.created", ' });
			expect(res.status).toBe(422);
		});
	});

	test('secret rotation: a request signed with the previous secret is accepted', async () => {
		const { item } = await expectOneExecution(sw, () => swSend(sw, { secret: secrets.standardWebhooksPrevious }));
		expect(item.provider).toBe('standardWebhooks');
	});
});

describe('Stripe', () => {
	test('valid Stripe-Signature, new event: 200, one execution, item from the Stripe event', async () => {
		const body = stripeBody('payment_intent.succeeded');
		const sentAt = Date.now();
		const { id, item } = await expectOneExecution(stripe, () => stripeSend(stripe, { body }));
		const event = JSON.parse(body) as { created: number };
		expect(Object.keys(item).sort()).toEqual([...ITEM_KEYS, 'locationId'].sort());
		expect(item).toEqual({
			id,
			type: 'payment_intent.succeeded',
			occurredAt: new Date(event.created * 1000).toISOString(),
			provider: 'stripe',
			locationId: 'acct_1StoreDowntown',
			data: JSON.parse(body),
			receivedAt: expect.any(String),
		});
		expectIsoNear(item.receivedAt, sentAt);
	});

	test('same event id redelivered: 200 duplicate, no execution', async () => {
		const body = stripeBody();
		await expectOneExecution(stripe, () => stripeSend(stripe, { body }));
		await expectNoExecution(stripe, async () => {
			const { res } = await stripeSend(stripe, { body, timestamp: nowSeconds() + 1 });
			expect(res.status).toBe(200);
			expect(res.json).toMatchObject({ status: 'duplicate' });
		});
	});

	test('event type not selected: 200 ignored', async () => {
		await expectNoExecution(stripe, async () => {
			const { res } = await stripeSend(stripe, { body: stripeBody('customer.created') });
			expect(res.status).toBe(200);
			expect(res.json).toMatchObject({ status: 'ignored' });
		});
	});

	test('wrong secret: 401', async () => {
		await expectNoExecution(stripe, async () => {
			const body = stripeBody();
			const timestamp = nowSeconds();
			const expected = stripeSignatureHeader(secrets.stripe, body, timestamp);
			const { res } = await stripeSend(stripe, { body, timestamp, secret: 'whsec_not_the_right_one' });
			expectRejected(res, 401, 'invalid_signature', [expected.split('v1=')[1]]);
		});
	});

	test('stale t= (10 minutes old): 401', async () => {
		await expectNoExecution(stripe, async () => {
			const { res } = await stripeSend(stripe, { timestamp: nowSeconds() - 600 });
			expectRejected(res, 401, 'timestamp_too_old');
		});
	});

	test('no event id in the body: 400', async () => {
		await expectNoExecution(stripe, async () => {
			const { res } = await stripeSend(stripe, { body: stripeBody('payment_intent.succeeded', { id: undefined }) });
			expectRejected(res, 400, 'missing_event_id');
		});
	});
});

describe('Square (notification URL left empty: the production URL is what Square signs)', () => {
	test('valid signature over production URL + body: 200, one execution, item with locationId', async () => {
		const body = squareBody('order.created');
		const { id, item } = await expectOneExecution(square, () => squareSend(square, { body }));
		const event = JSON.parse(body) as { created_at: string };
		expect(item).toEqual({
			id,
			type: 'order.created',
			occurredAt: new Date(event.created_at).toISOString(),
			provider: 'square',
			locationId: 'LOC_E2E_1',
			data: JSON.parse(body),
			receivedAt: expect.any(String),
		});
	});

	test('same event_id again: 200 duplicate, no execution', async () => {
		const body = squareBody();
		await expectOneExecution(square, () => squareSend(square, { body }));
		await expectNoExecution(square, async () => {
			const { res } = await squareSend(square, { body });
			expect(res.status).toBe(200);
			expect(res.json).toMatchObject({ status: 'duplicate' });
		});
	});

	test('signed for another URL (https instead of the registered http): 401', async () => {
		await expectNoExecution(square, async () => {
			const { res } = await squareSend(square, { notificationUrl: square.url().replace('http://', 'https://') });
			expectRejected(res, 401, 'invalid_signature');
		});
	});

	test('created_at older than the dedupe window (a replay): 401', async () => {
		await expectNoExecution(square, async () => {
			const old = new Date(Date.now() - 73 * 3_600_000).toISOString();
			const { res } = await squareSend(square, { body: squareBody('order.created', { created_at: old }) });
			expectRejected(res, 401, 'timestamp_too_old');
		});
	});

	test('created_at in the future: 401', async () => {
		await expectNoExecution(square, async () => {
			const ahead = new Date(Date.now() + 10 * 60_000).toISOString();
			const { res } = await squareSend(square, { body: squareBody('order.created', { created_at: ahead }) });
			expectRejected(res, 401, 'timestamp_in_future');
		});
	});

	test('no event_id: 400', async () => {
		await expectNoExecution(square, async () => {
			const { res } = await squareSend(square, { body: squareBody('order.created', { event_id: undefined }) });
			expectRejected(res, 400, 'missing_event_id');
		});
	});
});

describe('exactly once under load', () => {
	test('100 concurrent deliveries of one event id: exactly one execution (recorder and n8n agree)', async () => {
		const recorded = recorder.count(storm.tag);
		const executions = await n8n.executionCount(storm.workflow.id);
		const id = `msg_${randomUUID()}`;
		const body = swBody('order.created');
		const headers = { 'content-type': 'application/json', ...standardWebhooksHeaders(secrets.standardWebhooks, { id, body }) };
		const started = Date.now();
		const replies = await Promise.all(Array.from({ length: 100 }, () => post(storm.url(), body, headers)));
		const elapsed = Date.now() - started;
		const statuses = replies.map((r) => `${r.status} ${String(r.json?.status ?? r.text.slice(0, 30))}`);
		const tally = statuses.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
		progress(`storm: 100 concurrent deliveries answered in ${elapsed} ms: ${JSON.stringify(tally)}`);
		expect(replies.map((r) => r.status)).toEqual(Array(100).fill(200));
		expect(tally).toEqual({ '200 accepted': 1, '200 duplicate': 99 });

		await recorder.waitForCount(recorded + 1, { tag: storm.tag });
		await n8n.waitForExecutions(storm.workflow.id, executions + 1);
		// Prove nothing else is still coming: a sentinel, then the counts.
		await expectNoExecution(storm, async () => undefined);
		const items = recorder.bodies(storm.tag).slice(recorded);
		expect(items.filter((i) => i.id === id)).toHaveLength(1);
		expect(await n8n.executionCount(storm.workflow.id)).toBe(executions + 2);
	});
});

describe('exactly once across an n8n restart', () => {
	let first: { id: string; persisted: boolean };
	let later: { id: string; persisted: boolean };

	/** Digest of an id as the ledger stores it in static data (nodes/shared/ledger/Ledger.ts). */
	const digestOf = (id: string) => createHash('sha256').update(id, 'utf8').digest().subarray(0, 9).toString('base64');

	async function waitUntilSaved(id: string, timeoutMs: number): Promise<boolean> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			if (JSON.stringify(await n8n.staticData(restart.workflow.id)).includes(digestOf(id))) return true;
			if (Date.now() > deadline) return false;
			await sleep(200);
		}
	}

	beforeAll(async () => {
		// The workflow's first accepted event (its static data is still empty), then a later one.
		first = { id: (await expectOneExecution(restart, () => swSend(restart), false)).id, persisted: false };
		first.persisted = await waitUntilSaved(first.id, 15_000);
		later = { id: (await expectOneExecution(restart, () => swSend(restart), false)).id, persisted: false };
		later.persisted = await waitUntilSaved(later.id, 15_000);
		progress(`before restart: ledger saved in static data: first event ${first.persisted}, later event ${later.persisted}`);
		await n8n.restart();
		progress(`restart boot took ${seconds(n8n.timings.bootMs[n8n.timings.bootMs.length - 1])}`);
	}, 300_000);

	async function expectDuplicateAfterRestart(id: string) {
		await expectNoExecution(restart, async () => {
			let { res } = await swSend(restart, { id });
			// Seen twice on n8n 2.41: a webhook that answered our readiness probe answers 404 for a
			// moment right after the boot (n8n, not the node: a 404 never reaches webhook()). A POS
			// retries a 404 like any failure, so the test does too, for at most 10 s, and says so.
			for (let attempt = 1; res.status === 404 && attempt <= 20; attempt++) {
				progress(`POST after the restart answered 404 (n8n not serving the webhook yet); retry ${attempt}`);
				await sleep(500);
				({ res } = await swSend(restart, { id }));
			}
			expect(res.status).toBe(200);
			expect(res.json).toMatchObject({ status: 'duplicate' });
		});
		expect(recorder.bodies(restart.tag).filter((i) => i.id === id)).toHaveLength(1);
	}

	test('the retry of an event accepted before the restart: 200 duplicate, no second execution', async () => {
		await expectDuplicateAfterRestart(first.id);
		expect(first.persisted).toBe(true);
	});

	// Found by this suite on n8n 2.41: only a workflow's first accepted event reached the database
	// (n8n clears the webhook's static-data "changed" mark when it starts the execution), so later
	// events ran again after a restart. The trigger now saves the ledger from its execute() step.
	test('the retry of a later event (static data already saved before): 200 duplicate after the restart', async () => {
		await expectDuplicateAfterRestart(later.id);
		expect(later.persisted).toBe(true);
	});
});
