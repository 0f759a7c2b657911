/**
 * The example workflow with scheduled reconciliation, in a real n8n, against the POS simulator
 * with faults (the demo, smaller): every order gets exactly one SMS and one loyalty posting,
 * including orders whose webhook was dropped (recovered by the POS node's Reconcile), and every
 * forged or replayed request is refused.
 */
import { DEFAULT_FAULTS, runDemo } from '../../scripts/demo';

jest.setTimeout(600_000);

test('order -> loyalty -> SMS with scheduled reconciliation: exactly once per order, forgeries refused', async () => {
	const lines: string[] = [];
	const result = await runDemo({ orders: 80, seed: 3, faults: { ...DEFAULT_FAULTS, drop: 0.1 }, exit: true, print: (l) => lines.push(l) });
	process.stderr.write(`${lines.join('\n')}\n`);
	expect(result.droppedOrders).toBeGreaterThan(0); // the seed drops some webhooks: reconciliation must work
	expect(result.recoveredOrders).toBe(result.droppedOrders);
	expect(result.smsPerOrder.every((n) => n === 1)).toBe(true);
	expect(result.exactlyOnce).toBe(true);
	expect(result.forgeriesAndReplaysRejected).toBe(true);
	expect(result.pass).toBe(true);
});
