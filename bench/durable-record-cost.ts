/**
 * What the crash-safety record costs (README, Performance, target 2): the trigger's `execute()`
 * records `started:<id>` in n8n's processed-data table before any later step runs (one more
 * SQLite write per accepted event, or per batch of them). This measures target 2's case, n8n with
 * N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true, twice, in two n8n boots: with the package as shipped,
 * and with a copy of it whose `execute()` skips the record (made here from the build, never
 * shipped). Each boot compares the trigger (typeVersion 2) with n8n's Webhook node without auth,
 * alternating rounds, as `npm run bench` does.
 *
 *   node --import tsx bench/durable-record-cost.ts [durationMs] [rounds]
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { packPackage, REPO_ROOT } from '../test/e2e/harness';
import { perRoundRatios, runN8nThroughput, type ThroughputRun } from './n8n-throughput';

const TRIGGER_JS = join('dist', 'nodes', 'PosWebhookTrigger', 'PosWebhookTrigger.node.js');
/** The one call in the built trigger that writes the record (and waits for it). */
const RECORD_CALL = /await \(0, durable_1\.recordStarted\)\([^;]*\);/g;

/** A tarball of the package whose trigger writes no crash-safety record. */
function packWithoutRecord(): { tarball: string; cleanup: () => void } {
	const dir = mkdtempSync(join(tmpdir(), 'pos-no-record-'));
	const copy = join(dir, 'package');
	for (const entry of ['package.json', 'dist']) cpSync(join(REPO_ROOT, entry), join(copy, entry), { recursive: true });
	const file = join(copy, TRIGGER_JS);
	const source = readFileSync(file, 'utf8');
	const calls = source.match(RECORD_CALL) ?? [];
	// Exactly one: if the build changes shape, fail here rather than measure the wrong thing.
	if (calls.length !== 1) throw new Error(`expected one recordStarted call in ${TRIGGER_JS}, found ${calls.length}`);
	writeFileSync(file, source.replace(RECORD_CALL, 'new Set();'));
	const name = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: copy, encoding: 'utf8' }).trim().split('\n').pop()!;
	return { tarball: join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function ratio(run: ThroughputRun): { trigger: number; webhookNode: number; ratio: number; perRound: Array<number | null> } {
	const plain = run.cases.find((c) => c.key === 'plain')!;
	const trigger = run.cases.find((c) => c.key === 'acceptedV2')!;
	const perRound = perRoundRatios(trigger, plain);
	return { trigger: trigger.sustainedPerSec, webhookNode: plain.sustainedPerSec, ratio: Math.round((trigger.sustainedPerSec / plain.sustainedPerSec) * 100) / 100, perRound };
}

async function main(): Promise<void> {
	const durationMs = Number(process.argv[2] ?? 10_000);
	const rounds = Number(process.argv[3] ?? 3);
	const shipped = await packPackage(); // builds the package, so dist is current for the copy below
	const withoutRecord = packWithoutRecord();
	try {
		const cases = ['plain', 'acceptedV2'];
		const asShipped = ratio(await runN8nThroughput({ profile: 'lazy', durationMs, rounds, cases, tarball: shipped.tarball }));
		const noRecord = ratio(await runN8nThroughput({ profile: 'lazy', durationMs, rounds, cases, tarball: withoutRecord.tarball }));
		console.log(JSON.stringify({ durationMs, rounds, asShipped, withoutRecord: noRecord }, null, 1));
		console.error(
			`[bench] lazy isolates, trigger v2 vs n8n's Webhook node: as shipped ${asShipped.ratio}x (per round ${asShipped.perRound.join(', ')}); ` +
				`without the crash-safety record ${noRecord.ratio}x (per round ${noRecord.perRound.join(', ')})`,
		);
	} finally {
		withoutRecord.cleanup();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
