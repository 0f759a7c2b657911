/**
 * Per-event cost of the trigger's own work (verify, parse, identify, ledger check-and-record,
 * output item, marking the ledger for saving) against a bare crypto.createHmac + JSON.parse of
 * the same 1 KB body, measured in one process, interleaved, as ratios of medians.
 * Also: what n8n pays to serialise our saved ledger per accepted event (JSON.stringify of the
 * static data), with 0 and 50,000 entries.
 *
 *   npx tsx bench/trigger-cost.ts [--json]
 */
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

import { processDelivery, type DeliverySettings } from '../nodes/PosWebhookTrigger/processDelivery';
import { Ledger } from '../nodes/shared/ledger/Ledger';
import { persistLedger } from '../nodes/shared/ledger/registry';
import type { InboundRequest } from '../nodes/shared/providers/types';
import { buildSigningConfig } from '../nodes/shared/signingConfig';

const SECRET = 'whsec_' + Buffer.from('benchmark key benchmark key 32b!').toString('base64');
const KEY = Buffer.from(SECRET.slice(6), 'base64');
const N = 10_000;
const ROUNDS = 15;

function body1k(i: number): string {
	const base = { type: 'order.paid', timestamp: new Date().toISOString(), data: { order_id: `ord_${i}`, location_id: 'L1', note: '' } };
	const pad = 1024 - JSON.stringify(base).length;
	base.data.note = 'x'.repeat(Math.max(0, pad));
	return JSON.stringify(base);
}

function makeRequests(prefix: string): InboundRequest[] {
	const wh = new Webhook(SECRET);
	const when = new Date();
	const out: InboundRequest[] = [];
	for (let i = 0; i < N; i++) {
		const id = `msg_${prefix}_${i}`;
		const body = body1k(i);
		out.push({
			headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(when.getTime() / 1000)), 'webhook-signature': wh.sign(id, when, body) },
			rawBody: Buffer.from(body),
			notificationUrl: '',
		});
	}
	return out;
}

const settings: DeliverySettings = { events: '*', toleranceSeconds: 300, dedupe: true, dedupeWindowHours: 72, includeHeaders: false, removeFields: [] };
const config = buildSigningConfig({ provider: 'standardWebhooks', signingSecret: SECRET }, Date.now());

function baseline(reqs: InboundRequest[]): number {
	const t = process.hrtime.bigint();
	let sink = 0;
	for (const r of reqs) {
		const mac = createHmac('sha256', KEY).update(r.rawBody).digest();
		const parsed = JSON.parse(r.rawBody.toString('utf8')) as { type: string };
		sink += mac[0] + parsed.type.length;
	}
	if (sink === -1) console.log(sink);
	return Number(process.hrtime.bigint() - t) / reqs.length;
}

function ours(reqs: InboundRequest[], ledger: Ledger): number {
	const staticData = {};
	const now = Date.now();
	const t = process.hrtime.bigint();
	for (const r of reqs) {
		const result = processDelivery(r, config, settings, ledger, now);
		if (result.kind !== 'accepted') throw new Error(`unexpected ${result.kind}`);
		persistLedger(ledger, staticData, false);
	}
	return Number(process.hrtime.bigint() - t) / reqs.length;
}

function filledLedger(entries: number): Ledger {
	const l = new Ledger(72 * 3_600_000, 200_000);
	const now = Date.now();
	// Spread over the window as real traffic is: 72 buckets.
	for (let i = 0; i < entries; i++) l.claim(`seed_${i}`, now - Math.floor((i / entries) * 71 * 3_600_000));
	return l;
}

function serialiseCost(ledger: Ledger): number {
	const staticData = {};
	persistLedger(ledger, staticData, false);
	const reps = 50;
	const t = process.hrtime.bigint();
	let len = 0;
	for (let i = 0; i < reps; i++) len += JSON.stringify(staticData).length;
	if (len < 0) console.log(len);
	return Number(process.hrtime.bigint() - t) / reps;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function runTriggerCost() {
	const base: number[] = [];
	const empty: number[] = [];
	const full: number[] = [];
	for (let round = 0; round < ROUNDS; round++) {
		const reqs = makeRequests(`r${round}`);
		base.push(baseline(reqs));
		empty.push(ours(reqs, new Ledger(72 * 3_600_000, 200_000)));
		full.push(ours(reqs, filledLedger(50_000)));
	}
	const b = median(base);
	const e = median(empty);
	const f = median(full);
	const l50 = filledLedger(50_000);
	return {
		bodyBytes: 1024,
		eventsPerRound: N,
		rounds: ROUNDS,
		baselineNsPerEvent: Math.round(b),
		emptyLedgerNsPerEvent: Math.round(e),
		ledger50kNsPerEvent: Math.round(f),
		ratioEmpty: +(e / b).toFixed(2),
		ratio50k: +(f / b).toFixed(2),
		savedLedgerBytes50k: JSON.stringify(l50).length,
		n8nSerialiseUsEmpty: +(serialiseCost(new Ledger(72 * 3_600_000)) / 1000).toFixed(1),
		n8nSerialiseUs50k: +(serialiseCost(l50) / 1000).toFixed(1),
	};
}

if (require.main === module) {
	const r = runTriggerCost();
	if (process.argv.includes('--json')) console.log(JSON.stringify(r));
	else {
		console.log(`trigger's own work per 1 KB event, median of ${r.rounds} interleaved rounds of ${r.eventsPerRound}:`);
		console.log(`  bare createHmac + JSON.parse : ${r.baselineNsPerEvent} ns`);
		console.log(`  ours, empty ledger           : ${r.emptyLedgerNsPerEvent} ns  (${r.ratioEmpty}x)`);
		console.log(`  ours, 50,000-entry ledger    : ${r.ledger50kNsPerEvent} ns  (${r.ratio50k}x)`);
		console.log(`  saved ledger at 50,000 ids   : ${r.savedLedgerBytes50k} bytes; JSON.stringify by n8n: ${r.n8nSerialiseUs50k} us (empty: ${r.n8nSerialiseUsEmpty} us)`);
	}
}
