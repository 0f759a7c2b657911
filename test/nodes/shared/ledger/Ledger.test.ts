import type { IDataObject } from 'n8n-workflow';

import { DIGEST_CHARS, Ledger, bucketSizeFor, digestOf } from '../../../../nodes/shared/ledger/Ledger';
import { ledgerFor, persistLedger, resetLedgersForTest, STATIC_DATA_KEY } from '../../../../nodes/shared/ledger/registry';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-01T12:00:00Z');

describe('Ledger', () => {
	it('claims an id once', () => {
		const l = new Ledger(72 * HOUR);
		expect(l.claim('evt_1', T0)).toBe(true);
		expect(l.claim('evt_1', T0 + 1)).toBe(false);
		expect(l.has('evt_1', T0 + 2)).toBe(true);
		expect(l.has('evt_2', T0 + 2)).toBe(false);
		expect(l.size).toBe(1);
	});

	it('expires entries between window and window + one bucket', () => {
		const l = new Ledger(72 * HOUR);
		l.claim('old', T0);
		expect(l.has('old', T0 + 72 * HOUR - 1)).toBe(true);
		expect(l.has('old', T0 + 72 * HOUR + bucketSizeFor(72 * HOUR) + 1)).toBe(false);
		expect(l.size).toBe(0);
	});

	it('forgets one id and keeps its neighbours, in memory and in the persisted form', () => {
		const l = new Ledger(HOUR);
		['a', 'b', 'c'].forEach((id) => l.claim(id, T0));
		expect(l.forget('b')).toBe(true);
		expect(l.forget('b')).toBe(false);
		const restored = Ledger.restore(JSON.parse(JSON.stringify(l)), HOUR);
		expect(['a', 'b', 'c'].map((id) => restored.has(id, T0))).toEqual([true, false, true]);
	});

	it('round-trips through JSON with counts and the reconcile checkpoint', () => {
		const l = new Ledger(72 * HOUR);
		for (let i = 0; i < 1000; i++) l.claim(`evt_${i}`, T0 + i * 60_000);
		l.count('duplicate', 3);
		l.setReconcile({ checkpoint: '2026-03-01T00:00:00.000Z', lastRecovered: 2 });
		const json = JSON.parse(JSON.stringify(l));
		const r = Ledger.restore(json, 72 * HOUR);
		expect(r.size).toBe(1000);
		expect(r.has('evt_999', T0 + 1000 * 60_000)).toBe(true);
		expect(r.stats(T0 + 1000 * 60_000)).toMatchObject({ entries: 1000, counts: { duplicate: 3 }, reconcile: { lastRecovered: 2 } });
	});

	it('writes about 12 characters per id (bounded persisted size)', () => {
		const l = new Ledger(72 * HOUR);
		for (let i = 0; i < 50_000; i++) l.claim(`evt_${i}_${'x'.repeat(20)}`, T0 + i * 1000);
		const size = JSON.stringify(l).length;
		expect(size).toBeLessThan(50_000 * DIGEST_CHARS + 5_000);
		expect(digestOf('evt_1')).toHaveLength(DIGEST_CHARS);
	});

	it('never holds more than maxEntries: the oldest ids go first, never the one just claimed', () => {
		const l = new Ledger(72 * HOUR, 1000);
		for (let i = 0; i < 1500; i++) l.claim(`e${i}`, T0 + i * 60_000);
		expect(l.size).toBe(1000);
		expect(l.has('e1499', T0 + 1500 * 60_000)).toBe(true);
		expect(l.has('e500', T0 + 1500 * 60_000)).toBe(true);
		expect(l.has('e499', T0 + 1500 * 60_000)).toBe(false);
		// All within one bucket (one hour): still bounded, still remembers the newest.
		const one = new Ledger(72 * HOUR, 1000);
		for (let i = 0; i < 1001; i++) one.claim(`evt_${i}`, T0 + i);
		expect(one.size).toBe(1000);
		expect(one.claim('evt_5', T0 + 2000)).toBe(false);
		expect(one.claim('evt_0', T0 + 2000)).toBe(true);
		// The bound holds after a restore with a smaller limit.
		expect(Ledger.restore(JSON.parse(JSON.stringify(one)), 72 * HOUR, 10).size).toBe(10);
	});

	it('ignores corrupted persisted data instead of failing', () => {
		expect(Ledger.restore({ v: 1, buckets: { x: 5, '12': 'short' } }, HOUR).size).toBe(0);
		expect(Ledger.restore('garbage', HOUR).size).toBe(0);
		expect(Ledger.restore(null, HOUR).size).toBe(0);
	});
});

describe('ledger registry', () => {
	beforeEach(() => resetLedgersForTest());

	it('gives one ledger per workflow, shared by the trigger and the POS node', () => {
		const a = ledgerFor({ workflowId: 'w1', isTest: false, windowMs: HOUR }, {});
		const b = ledgerFor({ workflowId: 'w1', isTest: false, windowMs: HOUR }, {});
		const c = ledgerFor({ workflowId: 'w2', isTest: false, windowMs: HOUR }, {});
		expect(a).toBe(b);
		expect(a).not.toBe(c);
	});

	it('serialises the live ledger at save time, so a late save is never older', () => {
		const snapshot: IDataObject = {};
		const ledger = ledgerFor({ workflowId: 'w3', isTest: false, windowMs: HOUR }, snapshot);
		ledger.claim('first', Date.now());
		persistLedger(ledger, snapshot, false);
		ledger.claim('second', Date.now()); // claimed by another request before this one is saved
		const saved = JSON.parse(JSON.stringify(snapshot));
		const restored = Ledger.restore(saved[STATIC_DATA_KEY], HOUR);
		expect(restored.has('second', Date.now())).toBe(true);
	});


});
