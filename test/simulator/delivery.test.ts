/**
 * At-least-once delivery against tiny local receivers: retries until 2xx (5xx, 4xx, timeouts),
 * Standard Webhooks' 410, per-vendor re-signing, the concurrency limit, and seeded faults whose
 * counts are reproducible and whose answers a correct receiver gets right.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import { WebhooksHelper } from 'square';
import { deliver, planFaults, RETRY_DELAYS_MS, type DeliveryReport, type FaultOptions } from '../../simulator/delivery';
import { generateEvents, type SimEvent } from '../../simulator/events';
import type { ProviderName } from '../../simulator/signers';

const SW_SECRET = `whsec_${Buffer.from('simulator-delivery-test-key-0001').toString('base64')}`;
const STRIPE_SECRET = 'whsec_delivery_test';
const KEY = 'delivery-test-key';

interface Received {
	headers: Record<string, string>;
	body: string;
	at: number;
}
type Answer = { status: number; body?: unknown; delayMs?: number };
interface Receiver {
	url: string;
	received: Received[];
	maxInFlight: number;
	close(): Promise<void>;
}

async function startReceiver(answer: (req: Received, index: number) => Answer | Promise<Answer>): Promise<Receiver> {
	const received: Received[] = [];
	let inFlight = 0;
	const state = { maxInFlight: 0 };
	const server = http.createServer((req, res) => {
		inFlight++;
		state.maxInFlight = Math.max(state.maxInFlight, inFlight);
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', async () => {
			const r: Received = { headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
			received.push(r);
			const a = await answer(r, received.length - 1);
			if (a.delayMs) await new Promise((ok) => setTimeout(ok, a.delayMs));
			inFlight--;
			if (res.destroyed) return;
			res.writeHead(a.status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(a.body ?? { status: a.status < 300 ? 'accepted' : 'error' }));
		});
	});
	await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
	return {
		url,
		received,
		get maxInFlight() {
			return state.maxInFlight;
		},
		close: () =>
			new Promise<void>((ok) => {
				server.close(() => ok());
				server.closeAllConnections();
			}),
	};
}

/** A receiver that does what the trigger must: verify (incl. timestamp both ways), then de-duplicate. */
function correctAnswer(provider: 'standardWebhooks' | 'stripe', seen: Set<string>, accepted: string[]) {
	return (r: Received): Answer => {
		let id: string;
		try {
			if (provider === 'standardWebhooks') {
				new Webhook(SW_SECRET).verify(r.body, r.headers);
				id = r.headers['webhook-id'];
			} else {
				const evt = Stripe.webhooks.constructEvent(r.body, r.headers['stripe-signature'] ?? '', STRIPE_SECRET);
				const t = Number(/t=(\d+)/.exec(r.headers['stripe-signature'])![1]);
				if (t > Date.now() / 1000 + 300) throw new Error('future');
				id = evt.id;
			}
		} catch {
			return { status: 401, body: { status: 'rejected' } };
		}
		if (seen.has(id)) return { status: 200, body: { status: 'duplicate' } };
		seen.add(id);
		accepted.push(id);
		return { status: 200, body: { status: 'accepted' } };
	};
}

const events = (provider: ProviderName, count: number, seed = 1) => generateEvents({ provider, count, seed, nonOrderRate: 0.2 });
const target = (provider: ProviderName, url: string) => ({
	url,
	provider,
	secrets: provider === 'standardWebhooks' ? SW_SECRET : provider === 'stripe' ? STRIPE_SECRET : KEY,
});
const lastReceived = (r: Receiver, n: number) => r.received.slice(-n);

describe('retries', () => {
	it('retries on 5xx and timeouts, then stops on the first 2xx', async () => {
		const answers: Answer[] = [{ status: 503 }, { status: 200, delayMs: 400 }, { status: 500 }, { status: 200 }];
		const rx = await startReceiver((_r, i) => answers[i] ?? { status: 200 });
		try {
			const report = await deliver({ ...target('standardWebhooks', rx.url), events: events('standardWebhooks', 1), timeScale: 1e-4, requestTimeoutMs: 150 });
			const e = report.events[0];
			expect(e.outcome).toBe('delivered');
			expect(e.attempts.map((a) => [a.attempt, a.status, a.error])).toEqual([
				[1, 503, undefined],
				[2, null, 'timeout'],
				[3, 500, undefined],
				[4, 200, undefined],
			]);
			expect(e.attempts[3].reply).toEqual({ status: 'accepted' });
			expect(report.totals).toMatchObject({ delivered: 1, attempts: 4, retries: 3, timeouts: 1, gaveUp: 0 });
			await new Promise((ok) => setTimeout(ok, 450));
			expect(rx.received).toHaveLength(4); // nothing after the 2xx
		} finally {
			await rx.close();
		}
	});

	it('retries 4xx too and gives up when the vendor schedule is exhausted (Toast: 5 min, 10 min)', async () => {
		const rx = await startReceiver(() => ({ status: 400 }));
		try {
			const report = await deliver({ ...target('toast', rx.url), events: events('toast', 1), timeScale: 1e-4 });
			expect(RETRY_DELAYS_MS.toast).toEqual([300_000, 600_000]);
			expect(report.events[0].outcome).toBe('gaveUp');
			expect(report.totals).toMatchObject({ attempts: 3, retries: 2, gaveUp: 1, delivered: 0 });
			// Toast re-sends the same signature with Toast-Attempt-Number counting up.
			expect(rx.received.map((r) => r.headers['toast-attempt-number'])).toEqual(['1', '2', '3']);
			expect(new Set(rx.received.map((r) => r.headers['toast-signature'])).size).toBe(1);
			// The waits follow the schedule scaled by 1e-4: 30 ms, then 60 ms.
			expect(rx.received[1].at - rx.received[0].at).toBeGreaterThanOrEqual(25);
			expect(rx.received[2].at - rx.received[1].at).toBeGreaterThanOrEqual(55);
		} finally {
			await rx.close();
		}
	});

	it('Standard Webhooks: 410 disables the endpoint for every later event', async () => {
		const rx = await startReceiver(() => ({ status: 410 }));
		try {
			const report = await deliver({ ...target('standardWebhooks', rx.url), events: events('standardWebhooks', 4), timeScale: 1e-4, concurrency: 1 });
			expect(report.endpointDisabled).toBe(true);
			expect(report.totals).toMatchObject({ disabled: 4, requests: 1 });
			expect(rx.received).toHaveLength(1);
		} finally {
			await rx.close();
		}
	});

	it.each(['stripe', 'square'] as const)('%s retries a 410 like any other non-2xx', async (provider) => {
		const rx = await startReceiver((_r, i) => (i === 0 ? { status: 410 } : { status: 200 }));
		try {
			const report = await deliver({ ...target(provider, rx.url), events: events(provider, 1), timeScale: 1e-5 });
			expect(report.endpointDisabled).toBe(false);
			expect(report.events[0].attempts.map((a) => a.status)).toEqual([410, 200]);
		} finally {
			await rx.close();
		}
	});
});

describe('re-signing per attempt, as each vendor does', () => {
	/** A clock one second further on at every signature, so per-attempt timestamps visibly differ. */
	const steppingClock = () => {
		const base = Date.now();
		let n = 0;
		return () => base + 1000 * n++;
	};
	const failTwice = (_r: Received, i: number): Answer => (i < 2 ? { status: 503 } : { status: 200 });

	it('Standard Webhooks: same webhook-id, fresh timestamp and signature each attempt', async () => {
		const rx = await startReceiver(failTwice);
		try {
			await deliver({ ...target('standardWebhooks', rx.url), events: events('standardWebhooks', 1), timeScale: 1e-4, clock: steppingClock() });
			const got = lastReceived(rx, 3);
			expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
			expect(new Set(got.map((r) => r.headers['webhook-timestamp'])).size).toBe(3);
			for (const r of got) expect(() => new Webhook(SW_SECRET).verify(r.body, r.headers)).not.toThrow();
		} finally {
			await rx.close();
		}
	});

	it('Stripe: fresh t= each attempt, each accepted by constructEvent', async () => {
		const rx = await startReceiver(failTwice);
		try {
			await deliver({ ...target('stripe', rx.url), events: events('stripe', 1), timeScale: 1e-5, clock: steppingClock() });
			const got = lastReceived(rx, 3);
			expect(new Set(got.map((r) => /t=(\d+)/.exec(r.headers['stripe-signature'])![1])).size).toBe(3);
			for (const r of got) expect(Stripe.webhooks.constructEvent(r.body, r.headers['stripe-signature'], STRIPE_SECRET).id).toBeTruthy();
		} finally {
			await rx.close();
		}
	});

	it('Square: the same bytes and signature every attempt, over the registered notification URL', async () => {
		const rx = await startReceiver(failTwice);
		const notificationUrl = 'https://n8n.example.com/webhook/square';
		try {
			await deliver({ ...target('square', rx.url), notificationUrl, events: events('square', 1), timeScale: 1e-5 });
			const got = lastReceived(rx, 3);
			expect(new Set(got.map((r) => r.headers['x-square-hmacsha256-signature'] + r.body)).size).toBe(1);
			await expect(
				WebhooksHelper.verifySignature({ requestBody: got[0].body, signatureHeader: got[0].headers['x-square-hmacsha256-signature'], signatureKey: KEY, notificationUrl }),
			).resolves.toBe(true);
		} finally {
			await rx.close();
		}
	});

	it('Shopify: the same X-Shopify-Webhook-Id and HMAC every attempt', async () => {
		const rx = await startReceiver(failTwice);
		try {
			await deliver({ ...target('shopify', rx.url), events: events('shopify', 1), timeScale: 1e-5 });
			const got = lastReceived(rx, 3);
			expect(new Set(got.map((r) => `${r.headers['x-shopify-webhook-id']}|${r.headers['x-shopify-hmac-sha256']}`)).size).toBe(1);
		} finally {
			await rx.close();
		}
	});
});

describe('fault injection', () => {
	const FAULTS: FaultOptions = {
		drop: 0.15,
		duplicate: 0.2,
		concurrentDuplicate: 0.15,
		concurrentCopies: 3,
		reorder: 0.3,
		jitterMs: 5,
		forge: 0.3,
		replay: 0.3,
		staleReplayFraction: 0.5,
		duplicateDelayMs: 5,
		replayDelayMs: 10,
	};
	/** The counts a seed decides (everything except timings). */
	const counts = (r: DeliveryReport) => {
		const { replies, statuses, ...rest } = r.totals;
		return { ...rest, replies, statuses, outcomes: r.events.map((e) => e.outcome) };
	};

	it('plans faults deterministically from the seed', () => {
		const a = planFaults(500, 'standardWebhooks', FAULTS, 7);
		expect(planFaults(500, 'standardWebhooks', FAULTS, 7)).toEqual(a);
		expect(planFaults(500, 'standardWebhooks', FAULTS, 8)).not.toEqual(a);
		const drops = a.plans.filter((p) => p.drop).length;
		expect(drops).toBeGreaterThan(40);
		expect(drops).toBeLessThan(110);
		expect([...a.order].sort((x, y) => x - y)).toEqual(a.plans.map((p) => p.index));
		expect(a.order).not.toEqual(a.plans.map((p) => p.index));
		// Changing one rate leaves the other decisions alone.
		const b = planFaults(500, 'standardWebhooks', { ...FAULTS, duplicate: 0.9 }, 7);
		expect(b.plans.map((p) => p.drop)).toEqual(a.plans.map((p) => p.drop));
	});

	it.each(['standardWebhooks', 'stripe'] as const)('%s: reproducible counts, and a correct receiver answers every fault as expected', async (provider) => {
		const evs = events(provider, 120, 5);
		const run = async () => {
			const seen = new Set<string>();
			const accepted: string[] = [];
			const rx = await startReceiver(correctAnswer(provider, seen, accepted));
			try {
				const report = await deliver({ ...target(provider, rx.url), events: evs, seed: 99, faults: FAULTS, timeScale: 1e-5, concurrency: 6 });
				return { report, accepted, received: rx.received.length };
			} finally {
				await rx.close();
			}
		};
		const first = await run();
		const second = await run();
		expect(counts(second.report)).toEqual(counts(first.report));

		const t = first.report.totals;
		expect(t.dropped).toBeGreaterThan(0);
		expect(t.delivered + t.dropped).toBe(120);
		expect(t.forgeriesSent).toBeGreaterThan(0);
		expect(t.forgeriesRejected).toBe(t.forgeriesSent);
		expect(t.concurrentDuplicatesSent).toBeGreaterThan(0);
		expect(t.duplicatesSent).toBeGreaterThan(t.concurrentDuplicatesSent);
		expect(t.staleReplaysSent).toBeGreaterThan(0);
		expect(t.staleReplaysRejected).toBe(t.staleReplaysSent);
		expect(t.freshReplaysSent).toBeGreaterThan(0);
		expect(t.freshReplaysAnsweredDuplicate).toBe(t.freshReplaysSent);
		expect(t.unexpected).toBe(0);
		expect(t.eventsAcceptedMoreThanOnce).toBe(0);
		expect(t.requests).toBe(first.received);
		// Exactly the events that were not dropped got in, each once.
		const notDropped = first.report.events.filter((e) => e.outcome !== 'dropped').map((e) => e.eventId);
		expect([...first.accepted].sort()).toEqual([...notDropped].sort());
		expect(first.report.events.filter((e) => e.outcome === 'delivered').every((e) => e.acceptedCount === 1)).toBe(true);
	});

	it('flags a receiver that lets forgeries and replays through', async () => {
		const rx = await startReceiver(() => ({ status: 200, body: { status: 'accepted' } }));
		try {
			const report = await deliver({ ...target('standardWebhooks', rx.url), events: events('standardWebhooks', 40, 3), seed: 4, faults: { forge: 0.5, replay: 0.5, duplicate: 0.5, duplicateDelayMs: 1, replayDelayMs: 1 }, timeScale: 1e-5 });
			expect(report.totals.forgeriesAccepted).toBe(report.totals.forgeriesSent);
			expect(report.totals.unexpected).toBe(report.totals.forgeriesSent + report.totals.replaysSent + report.totals.duplicatesSent);
			expect(report.totals.eventsAcceptedMoreThanOnce).toBeGreaterThan(0);
		} finally {
			await rx.close();
		}
	});

	it('sends concurrent duplicates at once and never more requests in flight than the limit', async () => {
		const rx = await startReceiver(() => ({ status: 200, delayMs: 20 }));
		try {
			await deliver({ ...target('square', rx.url), events: events('square', 24), timeScale: 1e-5, concurrency: 3, faults: { concurrentDuplicate: 0.5, concurrentCopies: 3 } });
			expect(rx.maxInFlight).toBe(3);
		} finally {
			await rx.close();
		}
	});

	it('reorders deliveries (reproducibly) and never sends a dropped event', async () => {
		const evs = events('shopify', 30, 8);
		const arrival = async () => {
			const rx = await startReceiver(() => ({ status: 200 }));
			try {
				await deliver({ ...target('shopify', rx.url), events: evs, seed: 3, timeScale: 1e-5, concurrency: 1, faults: { reorder: 0.5, drop: 0.2 } });
				return rx.received.map((r) => r.headers['x-shopify-webhook-id']);
			} finally {
				await rx.close();
			}
		};
		const a = await arrival();
		expect(await arrival()).toEqual(a);
		const sent = evs.map((e) => e.eventId).filter((id) => a.includes(id));
		expect(a).not.toEqual(sent);
		const plan = planFaults(30, 'shopify', { reorder: 0.5, drop: 0.2 }, 3);
		const dropped = plan.plans.filter((p) => p.drop).map((p) => evs[p.index].eventId);
		expect(dropped.length).toBeGreaterThan(0);
		expect(a.filter((id) => dropped.includes(id))).toEqual([]);
		expect(a).toHaveLength(30 - dropped.length);
	});

	it('stops early on abort, reporting what was left as aborted', async () => {
		const rx = await startReceiver(() => ({ status: 503 }));
		const controller = new AbortController();
		try {
			setTimeout(() => controller.abort(), 100);
			const evs: SimEvent[] = events('standardWebhooks', 3);
			const report = await deliver({ ...target('standardWebhooks', rx.url), events: evs, timeScale: 1, signal: controller.signal });
			expect(report.totals.aborted).toBe(3);
			expect(report.durationMs).toBeLessThan(5000);
		} finally {
			await rx.close();
		}
	});
});
