/**
 * The reply table of the README ("What the trigger answers"), row by row, through the node's webhook() as n8n calls it.
 */
import type { IWebhookResponseData } from 'n8n-workflow';
import { Webhook as StandardWebhook } from 'standardwebhooks';

import { PosWebhookTrigger } from '../../../nodes/PosWebhookTrigger/PosWebhookTrigger.node';
import { resetLedgersForTest, STATIC_DATA_KEY } from '../../../nodes/shared/ledger/registry';
import type { PosCredentialData } from '../../../nodes/shared/providers/types';
import { createExecuteContext, ProcessedDataTable } from '../../helpers/executeContext';
import { fakeWebhookContext, savedCopy, type FakeWebhookOptions } from '../../helpers/webhookContext';

const SECRET = 'whsec_' + Buffer.from('a 32 byte key for the tests.....').toString('base64');
const credential: PosCredentialData = { provider: 'standardWebhooks', signingSecret: SECRET };
const node = new PosWebhookTrigger();

function signedRequest(id: string, payload: object = { type: 'order.paid', data: { order_id: id } }, when = new Date(), secret = SECRET) {
	const body = JSON.stringify(payload);
	return {
		headers: {
			'content-type': 'application/json',
			'webhook-id': id,
			'webhook-timestamp': String(Math.floor(when.getTime() / 1000)),
			'webhook-signature': new StandardWebhook(secret).sign(id, when, body),
		},
		body,
	};
}

/** n8n's database table behind the deduplication helpers: survives resetLedgersForTest (a restart). */
let database = new ProcessedDataTable();

/**
 * One request as n8n 2.41 handles it: webhook(); when it returns workflowData, n8n registers the
 * execution, sends the webhookResponse (deferred onReceived reply), then runs the execution,
 * whose first node is the trigger's execute() with the same static data object.
 * `start: false` stops after webhook() (n8n has not registered the execution yet).
 */
async function deliver(request: ReturnType<typeof signedRequest>, options: Partial<FakeWebhookOptions> & { start?: boolean } = {}) {
	const run = fakeWebhookContext(request, { credential, credentialId: 'cred-1', ...options });
	const result = await node.webhook.call(run.ctx);
	let executed: Array<{ json: Record<string, unknown> }> | undefined;
	if (result.workflowData && options.start !== false) {
		run.n8nAnswers(200, result.webhookResponse);
		executed = await startExecution(result.workflowData[0], run.staticData, options);
	}
	return { ...run, result, executed };
}

/** The ids of the items of the one execution a delivery started; [] when it started none. */
function startedIds(result: IWebhookResponseData): string[] {
	if (result.workflowData === undefined) return [];
	expect(result.workflowData).toHaveLength(1);
	return result.workflowData[0].map((item) => item.json.id as string);
}

/** The execution n8n starts for workflowData: the trigger's execute() as its first node. */
async function startExecution(items: unknown, staticData: Record<string, unknown>, options: Partial<FakeWebhookOptions> = {}) {
	const harness = createExecuteContext({
		nodeType: node,
		parameters: { events: '*', ...(options.parameters ?? {}) },
		mode: options.mode === 'manual' ? 'manual' : 'webhook',
		workflowId: options.workflowId ?? 'wf-1',
		staticData: staticData as never,
		inputItems: items as never,
		processedData: database,
	});
	const [output] = await harness.run();
	return output as Array<{ json: Record<string, unknown> }>;
}

beforeEach(() => {
	resetLedgersForTest();
	database = new ProcessedDataTable();
});

describe('reply table', () => {
	it('valid signature, new event id: one execution with one item, reply accepted', async () => {
		const { result, response, executed } = await deliver(signedRequest('msg_new'));
		// n8n sends this webhookResponse, and only after it registered the execution.
		expect(result.webhookResponse).toEqual({ status: 'accepted', id: 'msg_new' });
		expect(result.noWebhookResponse).toBeUndefined();
		expect(response).toEqual({ status: 200, body: { status: 'accepted', id: 'msg_new' } });
		expect(executed!.map((i) => i.json.id)).toEqual(['msg_new']);
		expect(result.workflowData).toHaveLength(1);
		expect(result.workflowData![0]).toHaveLength(1);
		const item = result.workflowData![0][0].json;
		expect(Object.keys(item).sort()).toEqual(['data', 'id', 'occurredAt', 'provider', 'receivedAt', 'type']);
		expect(item).toMatchObject({ id: 'msg_new', type: 'order.paid', provider: 'standardWebhooks', data: { type: 'order.paid' } });
		expect(typeof item.receivedAt).toBe('string');
	});

	it('same event id again: 200 duplicate, no execution', async () => {
		const request = signedRequest('msg_dup');
		const first = await deliver(request);
		expect(startedIds(first.result)).toEqual(['msg_dup']);
		const again = await deliver(signedRequest('msg_dup'), { staticData: savedCopy(first.staticData) });
		expect(again.result).toEqual({ webhookResponse: { status: 'duplicate', id: 'msg_dup' } });
	});

	it('event type not selected: 200 ignored, no execution', async () => {
		const { result } = await deliver(signedRequest('msg_menu', { type: 'menu.updated' }), { parameters: { events: 'order.*, payment.completed' } });
		expect(result).toEqual({ webhookResponse: { status: 'ignored', id: 'msg_menu', type: 'menu.updated' } });
		const wanted = await deliver(signedRequest('msg_order', { type: 'Order.Paid' }), { parameters: { events: 'order.*' } });
		expect(startedIds(wanted.result)).toEqual(['msg_order']);
	});

	it.each([
		['missing signature', (r: ReturnType<typeof signedRequest>) => delete (r.headers as Record<string, string>)['webhook-signature'], 'missing_signature'],
		['wrong signature', (r: ReturnType<typeof signedRequest>) => (r.headers['webhook-signature'] = 'v1,' + Buffer.alloc(32).toString('base64')), 'invalid_signature'],
		['garbage signature', (r: ReturnType<typeof signedRequest>) => (r.headers['webhook-signature'] = 'v1,%%%'), 'invalid_signature'],
		['tampered body', (r: ReturnType<typeof signedRequest>) => (r.body = r.body.replace('paid', 'free')), 'invalid_signature'],
	])('%s: 401 with a short reason, no execution, no secret echoed', async (_name, mutate, reason) => {
		const request = signedRequest('msg_bad');
		mutate(request);
		const { result, response } = await deliver(request);
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response.status).toBe(401);
		expect(response.body).toMatchObject({ status: 'rejected', reason });
		const text = JSON.stringify(response.body);
		expect(text).not.toContain(SECRET.slice(6, 20));
		expect(text.length).toBeLessThan(200);
	});

	it.each([
		['past', -310_000, 'timestamp_too_old'],
		['future', 310_000, 'timestamp_in_future'],
	])('timestamp outside tolerance (%s): 401', async (_name, offset, reason) => {
		const { response, result } = await deliver(signedRequest('msg_time', undefined, new Date(Date.now() + offset)));
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response).toEqual({ status: 401, body: expect.objectContaining({ reason }) });
	});

	it('tolerance is a parameter', async () => {
		const late = signedRequest('msg_late', undefined, new Date(Date.now() - 600_000));
		expect(startedIds((await deliver(late, { parameters: { toleranceSeconds: 900 } })).result)).toEqual(['msg_late']);
	});

	it('body unparseable (signed, so it is the sender who is broken): 400', async () => {
		const when = new Date();
		const body = 'not json {';
		const request = {
			headers: {
				'webhook-id': 'msg_text',
				'webhook-timestamp': String(Math.floor(when.getTime() / 1000)),
				'webhook-signature': new StandardWebhook(SECRET).sign('msg_text', when, body),
			},
			body,
		};
		const { response } = await deliver(request as ReturnType<typeof signedRequest>);
		expect(response).toEqual({ status: 400, body: expect.objectContaining({ reason: 'unparseable_body' }) });
	});

	it('no event id where the provider has one: 400', async () => {
		const custom = { credentialId: 'cred-custom', credential: { provider: 'custom', signingSecret: 'k', customSignatureHeader: 'x-sig' } };
		const { response } = await deliver({ headers: {}, body: '{}' } as unknown as ReturnType<typeof signedRequest>, custom);
		expect(response.status).toBe(401); // unsigned first: the signature decides before anything else
		const body = JSON.stringify({ type: 'order.paid' });
		const { createHmac } = await import('node:crypto');
		const sig = createHmac('sha256', 'k').update(body).digest('hex');
		const signed = await deliver({ headers: { 'x-sig': sig }, body } as unknown as ReturnType<typeof signedRequest>, custom);
		expect(signed.response).toEqual({ status: 400, body: expect.objectContaining({ reason: 'missing_event_id' }) });
	});

	it("the node's own transient failure (credential store down): 503, never a throw", async () => {
		const { response, result, logs } = await deliver(signedRequest('msg_503'), {
			credentialId: 'cred-down',
			credential: async () => {
				throw new Error('database is locked');
			},
		});
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response).toEqual({ status: 503, body: expect.objectContaining({ reason: 'temporarily_unavailable' }) });
		expect(logs.join()).toContain('database is locked');
	});

	it('a credential with no secret: 503 (the POS keeps retrying until it is fixed), with a reason', async () => {
		const { response } = await deliver(signedRequest('msg_nosecret'), { credentialId: 'cred-empty', credential: { provider: 'stripe', signingSecret: '' } });
		expect(response).toEqual({ status: 503, body: expect.objectContaining({ reason: 'not_configured' }) });
	});
});

describe('exactly once', () => {
	it('100 concurrent deliveries of one event id start exactly one execution', async () => {
		// Each request gets its own static data snapshot, as n8n loads one per request.
		const runs = await Promise.all(Array.from({ length: 100 }, () => deliver(signedRequest('msg_storm'), { staticData: {} })));
		const executions = runs.filter((r) => r.result.workflowData !== undefined);
		expect(executions).toHaveLength(1);
		expect(runs.filter((r) => r.result.webhookResponse && (r.result.webhookResponse as { status: string }).status === 'duplicate')).toHaveLength(99);
	});

	it('a restart (ledger reloaded from saved static data) still drops the duplicate', async () => {
		const first = await deliver(signedRequest('msg_restart'));
		expect(startedIds(first.result)).toEqual(['msg_restart']);
		const saved = savedCopy(first.staticData);
		expect(Object.keys(saved)).toEqual([STATIC_DATA_KEY]);
		resetLedgersForTest(); // the n8n process is gone: only the database remains
		const retry = await deliver(signedRequest('msg_restart'), { staticData: saved });
		expect(retry.result).toEqual({ webhookResponse: { status: 'duplicate', id: 'msg_restart' } });
		const other = await deliver(signedRequest('msg_after_restart'), { staticData: saved });
		expect(startedIds(other.result)).toEqual(['msg_after_restart']);
	});

	it('saving writes the latest ledger even when an older execution saves last', async () => {
		const a = await deliver(signedRequest('msg_a'), { staticData: {} });
		const b = await deliver(signedRequest('msg_b'), { staticData: {} });
		// n8n saves execution a after execution b: a's save must still include b's id.
		const savedLast = savedCopy(a.staticData);
		expect(b.executed!.map((i) => i.json.id)).toEqual(['msg_b']);
		resetLedgersForTest();
		const retryB = await deliver(signedRequest('msg_b'), { staticData: savedLast });
		expect(retryB.result.webhookResponse).toEqual({ status: 'duplicate', id: 'msg_b' });
	});

	it('an entry older than the dedupe window expires', async () => {
		jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
		try {
			const first = await deliver(signedRequest('msg_expire'), { parameters: { dedupeWindowHours: 1 } });
			expect(startedIds(first.result)).toEqual(['msg_expire']);
			jest.setSystemTime(new Date('2026-01-01T00:59:00Z'));
			const within = await deliver(signedRequest('msg_expire'), { parameters: { dedupeWindowHours: 1 } });
			expect(within.result.webhookResponse).toMatchObject({ status: 'duplicate' });
			jest.setSystemTime(new Date('2026-01-01T01:02:00Z'));
			const after = await deliver(signedRequest('msg_expire'), { parameters: { dedupeWindowHours: 1 } });
			expect(startedIds(after.result)).toEqual(['msg_expire']);
		} finally {
			jest.useRealTimers();
		}
	});

	it('with Drop Duplicate Events off, every valid delivery starts the workflow', async () => {
		const a = await deliver(signedRequest('msg_nodedupe'), { parameters: { dedupe: false } });
		const b = await deliver(signedRequest('msg_nodedupe'), { parameters: { dedupe: false } });
		expect([...startedIds(a.result), ...startedIds(b.result)]).toEqual(['msg_nodedupe', 'msg_nodedupe']);
	});

	it('test-URL deliveries use their own ledger and never touch the production one', async () => {
		const test = await deliver(signedRequest('msg_test'), { mode: 'manual' });
		expect(startedIds(test.result)).toEqual(['msg_test']);
		expect(test.staticData[STATIC_DATA_KEY]).toBeUndefined();
		const live = await deliver(signedRequest('msg_test'));
		expect(startedIds(live.result)).toEqual(['msg_test']);
	});
});

describe('output options and credentials', () => {
	it('removes listed fields and keeps signature headers out of Include Headers', async () => {
		const payload = { type: 'order.paid', data: { customer: { email: 'a@b.c', name: 'Ann' }, items: [{ note: 'x', sku: 1 }] } };
		const { result } = await deliver(signedRequest('msg_pii', payload), {
			parameters: { options: { includeHeaders: true, removeFields: 'data.customer.email, data.items.*.note' } },
		});
		const item = result.workflowData![0][0].json as { data: typeof payload; headers: Record<string, string> };
		expect(item.data.data.customer).toEqual({ name: 'Ann' });
		expect(item.data.data.items).toEqual([{ sku: 1 }]);
		expect(item.headers['webhook-id']).toBe('msg_pii');
		expect(item.headers['webhook-signature']).toBeUndefined();
	});

	it('Include Headers passes ordinary headers and drops authorization, cookies, API keys and signatures', async () => {
		const request = signedRequest('msg_headers');
		Object.assign(request.headers, {
			authorization: 'Bearer abc',
			cookie: 'session=1',
			'proxy-authorization': 'Basic x',
			'x-api-key': 'k',
			'user-agent': 'POS/1.0',
			'x-request-id': 'req-7',
		});
		const { result } = await deliver(request, { parameters: { options: { includeHeaders: true } } });
		const item = result.workflowData![0][0].json as { headers: Record<string, string> };
		expect(item.headers).toEqual({
			'content-type': 'application/json',
			'user-agent': 'POS/1.0',
			'webhook-id': 'msg_headers',
			'webhook-timestamp': request.headers['webhook-timestamp'],
			'x-request-id': 'req-7',
		});
		const without = await deliver(signedRequest('msg_no_headers'));
		expect(Object.keys(without.result.workflowData![0][0].json)).not.toContain('headers');
	});

	it('Fields to Remove: "*" stands for every key of an object as well as every list element', async () => {
		const payload = {
			type: 'order.paid',
			data: {
				customers: { ann: { email: 'ann@example.com', name: 'Ann' }, bob: { email: 'bob@example.com', name: 'Bob' } },
				card: { last4: '4242', brand: 'visa' },
				total: 1200,
			},
		};
		const { result } = await deliver(signedRequest('msg_star', payload), {
			parameters: { options: { removeFields: 'data.customers.*.email, data.card.*' } },
		});
		expect((result.workflowData![0][0].json as { data: unknown }).data).toEqual({
			type: 'order.paid',
			data: { customers: { ann: { name: 'Ann' }, bob: { name: 'Bob' } }, card: {}, total: 1200 },
		});
	});

	it('Max Remembered Event IDs bounds the ledger: the oldest id is forgotten first', async () => {
		const options = { parameters: { options: { maxLedgerEntries: 1000 } }, workflowId: 'wf-max' };
		for (let i = 0; i <= 1000; i++) expect(startedIds((await deliver(signedRequest(`msg_max_${i}`), options)).result)).toEqual([`msg_max_${i}`]);
		// 1001 ids claimed with room for 1000: msg_max_0, the oldest, is gone; msg_max_1 is still remembered.
		expect((await deliver(signedRequest('msg_max_1'), options)).result).toEqual({ webhookResponse: { status: 'duplicate', id: 'msg_max_1' } });
		expect(startedIds((await deliver(signedRequest('msg_max_0'), options)).result)).toEqual(['msg_max_0']);
	});

	it('keeps the decoded credential in memory for 60 s, then reloads it', async () => {
		jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
		try {
			let loads = 0;
			const options = {
				credentialId: 'cred-cache',
				credential: async () => {
					loads++;
					return { provider: 'standardWebhooks', signingSecret: SECRET };
				},
			};
			await deliver(signedRequest('msg_c1'), options);
			jest.advanceTimersByTime(59_000);
			const within = await deliver(signedRequest('msg_c2'), options);
			expect(within.result.workflowData?.[0]).toHaveLength(1);
			expect(loads).toBe(1); // the second request was verified with the cached credential
			jest.advanceTimersByTime(1_000);
			await deliver(signedRequest('msg_c3'), options);
			expect(loads).toBe(2); // 60 s after loading, the next request reloads it
		} finally {
			jest.useRealTimers();
		}
	});

	it('a rotated secret works from its first request, even within the 2 s reload throttle, and the reload is counted', async () => {
		jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
		try {
			let current: PosCredentialData = { provider: 'standardWebhooks', signingSecret: SECRET };
			let loads = 0;
			const options = {
				credentialId: 'cred-rotate',
				credential: async () => {
					loads++;
					return current;
				},
			};
			const r1 = await deliver(signedRequest('msg_r1'), options);
			expect(r1.result.workflowData?.[0]).toHaveLength(1);
			expect(loads).toBe(1);
			const NEW = 'whsec_' + Buffer.from('the new key after rotation......').toString('base64');
			current = { provider: 'standardWebhooks', signingSecret: NEW, previousSigningSecret: SECRET };
			jest.advanceTimersByTime(500); // well inside the 2 s throttle since the credential was loaded
			const r2 = await deliver(signedRequest('msg_r2', undefined, new Date(), NEW), options);
			expect(r2.response).toEqual({ status: 200, body: { status: 'accepted', id: 'msg_r2' } });
			expect(loads).toBe(2); // the failed signature reloaded the credential once
			const r3 = await deliver(signedRequest('msg_r3', undefined, new Date(), SECRET), options);
			expect(r3.response).toEqual({ status: 200, body: { status: 'accepted', id: 'msg_r3' } }); // previous secret during rotation
			expect(loads).toBe(2);
			// A forged storm: at most one reload per 2 s, whatever the number of forgeries.
			const FORGED = 'whsec_' + Buffer.from('an attacker key, not the secret.').toString('base64');
			const forge = async (id: string) => (await deliver(signedRequest(id, undefined, new Date(), FORGED), options)).response.status;
			expect(await forge('msg_forged_0')).toBe(401);
			expect(loads).toBe(2); // 0 s after the rotation's reload: throttled
			jest.advanceTimersByTime(2_000);
			for (let i = 1; i <= 5; i++) expect(await forge(`msg_forged_${i}`)).toBe(401);
			expect(loads).toBe(3);
		} finally {
			jest.useRealTimers();
		}
	});
});

describe('crash safety: the 200 means "registered", a claim is pending until the execution starts', () => {
	it('webhook() answers nothing itself for a new event: n8n sends the 200 after registering the execution', async () => {
		const { result, response } = await deliver(signedRequest('msg_deferred'), { start: false });
		expect(response).toEqual({});
		expect(result.webhookResponse).toEqual({ status: 'accepted', id: 'msg_deferred' });
		expect(result.workflowData![0].map((i) => i.json.id)).toEqual(['msg_deferred']);
	});

	it('a retry while the first delivery is still being registered is a duplicate (the pending claim holds)', async () => {
		const staticData = {};
		await deliver(signedRequest('msg_pending'), { start: false, staticData });
		const retry = await deliver(signedRequest('msg_pending'), { staticData });
		expect(retry.result).toEqual({ webhookResponse: { status: 'duplicate', id: 'msg_pending' } });
	});

	it('n8n could not register the execution (it answers 500): the claim is released and the POS retry is accepted', async () => {
		const first = await deliver(signedRequest('msg_500'), { start: false });
		first.n8nAnswers(500, { message: 'There was a problem executing the workflow' });
		const retry = await deliver(signedRequest('msg_500'));
		expect(retry.result.webhookResponse).toEqual({ status: 'accepted', id: 'msg_500' });
		expect(retry.executed!.map((i) => i.json.id)).toEqual(['msg_500']);
	});

	it('the POS hangs up before any answer: the claim is released and the retry is accepted', async () => {
		const first = await deliver(signedRequest('msg_hangup'), { start: false });
		first.clientHangsUp();
		const retry = await deliver(signedRequest('msg_hangup'));
		expect(retry.executed!.map((i) => i.json.id)).toEqual(['msg_hangup']);
	});

	it('killed before registration: the saved ledger never holds the pending id, so the retry after restart runs it', async () => {
		const staticData = {};
		await deliver(signedRequest('msg_unregistered'), { start: false, staticData });
		// Another execution ends meanwhile and n8n saves the (shared) static data.
		const other = await deliver(signedRequest('msg_other'), { staticData });
		const saved = savedCopy(other.staticData);
		resetLedgersForTest(); // kill -9
		const retry = await deliver(signedRequest('msg_unregistered'), { staticData: saved });
		expect(retry.executed!.map((i) => i.json.id)).toEqual(['msg_unregistered']);
		const otherAgain = await deliver(signedRequest('msg_other'), { staticData: saved });
		expect(otherAgain.result.webhookResponse).toEqual({ status: 'duplicate', id: 'msg_other' });
	});

	it('killed after the execution started but before static data was saved: the retry runs no downstream node', async () => {
		const first = await deliver(signedRequest('msg_started'), { staticData: {} });
		expect(first.executed!.map((i) => i.json.id)).toEqual(['msg_started']);
		resetLedgersForTest(); // kill -9: the execution never ended, its static data was never saved
		const retry = await deliver(signedRequest('msg_started'), { staticData: {} });
		expect(retry.result.webhookResponse).toEqual({ status: 'accepted', id: 'msg_started' }); // the ledger lost it...
		expect(retry.executed).toEqual([]); // ...the durable record did not: nothing reaches the next node
		expect(database.writes).toBe(2);
		// From then on the restarted ledger knows it again.
		const third = await deliver(signedRequest('msg_started'), { staticData: retry.staticData });
		expect(third.result).toEqual({ webhookResponse: { status: 'duplicate', id: 'msg_started' } });
	});

	it('one event at a time: every execution saves the ledger, so a retry after a restart is a duplicate', async () => {
		const a = await deliver(signedRequest('msg_one_1'), { staticData: {} });
		const b = await deliver(signedRequest('msg_one_2'), { staticData: {} });
		for (const run of [a, b]) expect(Object.keys(run.staticData)).toEqual([STATIC_DATA_KEY]);
		const saved = savedCopy(b.staticData);
		resetLedgersForTest();
		expect((await deliver(signedRequest('msg_one_2'), { staticData: saved })).result.webhookResponse).toEqual({ status: 'duplicate', id: 'msg_one_2' });
	});

	it('in a burst, an execution skips the save while other events are on their way (one database write fewer); the last one saves all, and what a crash misses still runs once', async () => {
		const first = await deliver(signedRequest('msg_burst_1'), { staticData: {} });
		const savedThen = savedCopy(first.staticData); // n8n saves it when that execution ends
		// Another event is accepted and n8n is registering its execution (pending) ...
		const waiting = await deliver(signedRequest('msg_burst_2'), { start: false, staticData: {} });
		// ... when this one's execution starts: it leaves the save to the one still on its way.
		const skipped = await deliver(signedRequest('msg_burst_3'), { staticData: {} });
		expect(skipped.executed!.map((i) => i.json.id)).toEqual(['msg_burst_3']);
		expect(skipped.staticData).toEqual({}); // unchanged: n8n writes nothing for this execution

		// A kill now: the saved ledger lacks msg_burst_3, its durable "started" record does not.
		resetLedgersForTest();
		const retry = await deliver(signedRequest('msg_burst_3'), { staticData: savedCopy(savedThen) });
		expect(retry.result.webhookResponse).toEqual({ status: 'accepted', id: 'msg_burst_3' });
		expect(retry.executed).toEqual([]);

		// Without the kill, the last execution of the burst saves everything (the live ledger).
		resetLedgersForTest();
		await deliver(signedRequest('msg_burst_0'), { staticData: {} }); // a restarted process saves first thing
		const a = await deliver(signedRequest('msg_burst_4'), { start: false, staticData: {} });
		const b = await deliver(signedRequest('msg_burst_5'), { staticData: {} });
		expect(b.staticData).toEqual({});
		a.n8nAnswers(200, a.result.webhookResponse);
		await startExecution(a.result.workflowData![0], a.staticData);
		const savedLast = savedCopy(a.staticData);
		resetLedgersForTest();
		for (const id of ['msg_burst_4', 'msg_burst_5']) {
			expect((await deliver(signedRequest(id), { staticData: savedCopy(savedLast) })).result.webhookResponse).toEqual({ status: 'duplicate', id });
		}
		expect(waiting.result.workflowData).toBeDefined();
	});

	it('back-pressure: beyond Max Events Waiting to Start, a new event gets 503 with Retry-After; duplicates still get 200', async () => {
		const staticData = {};
		const parameters = { options: { maxPendingEvents: 2 } };
		const waiting = [
			await deliver(signedRequest('msg_bp1'), { start: false, staticData, parameters }),
			await deliver(signedRequest('msg_bp2'), { start: false, staticData, parameters }),
		];
		const refused = await deliver(signedRequest('msg_bp3'), { start: false, staticData, parameters });
		expect(refused.result).toEqual({ noWebhookResponse: true });
		expect(refused.response).toEqual({
			status: 503,
			headers: { 'retry-after': '10' },
			body: { status: 'busy', reason: 'overloaded', message: 'Too many events waiting; retry later' },
		});
		const dup = await deliver(signedRequest('msg_bp1'), { start: false, staticData, parameters });
		expect(dup.result).toEqual({ webhookResponse: { status: 'duplicate', id: 'msg_bp1' } });
		// n8n starts the waiting executions: the retry of the refused event is accepted.
		for (const w of waiting) {
			w.n8nAnswers(200, w.result.webhookResponse);
			await startExecution(w.result.workflowData![0], staticData, { parameters });
		}
		const retry = await deliver(signedRequest('msg_bp3'), { staticData, parameters });
		expect(retry.executed!.map((i) => i.json.id)).toEqual(['msg_bp3']);
	});

	it('test-URL executions record nothing durably and pass their item on', async () => {
		const test = await deliver(signedRequest('msg_manual'), { mode: 'manual' });
		expect(test.executed!.map((i) => i.json.id)).toEqual(['msg_manual']);
		expect(database.writes).toBe(0);
	});

	it('the durable record cannot be written (database error): the execution fails before any downstream node, visibly', async () => {
		database.failNext = true;
		await expect(deliver(signedRequest('msg_dberror'))).rejects.toThrow('database is locked');
	});
});

describe("n8n's 2xx settles the claim", () => {
	it('the 200 (execution registered) confirms the claim even if the execution runs in another process: no back-pressure from it', async () => {
		const staticData = {};
		const parameters = { options: { maxPendingEvents: 1 } };
		const first = await deliver(signedRequest('msg_elsewhere'), { start: false, staticData, parameters });
		first.n8nAnswers(200, first.result.webhookResponse); // a queue-mode worker will run it
		const next = await deliver(signedRequest('msg_next'), { start: false, staticData, parameters });
		expect(next.result.webhookResponse).toEqual({ status: 'accepted', id: 'msg_next' });
		const retry = await deliver(signedRequest('msg_elsewhere'), { start: false, staticData, parameters });
		expect(retry.result).toEqual({ webhookResponse: { status: 'duplicate', id: 'msg_elsewhere' } });
	});
});

describe('durable "started" records under concurrency', () => {
	it('concurrent executions share database writes (group commit), and one event id passes once', async () => {
		const staticData = {};
		const ids = Array.from({ length: 10 }, (_v, i) => `msg_batch_${i}`);
		const outputs = await Promise.all([...ids, 'msg_batch_3'].map((id) => startExecution([{ json: { id } }], staticData)));
		const passed = outputs.flat().map((i) => i.json.id);
		expect(passed.sort()).toEqual([...ids].sort()); // msg_batch_3 once
		expect(database.writes).toBeLessThan(ids.length); // rows rewritten fewer times than executions
		expect(database.rows.get('wf-1|')).toHaveLength(10);
	});
});
