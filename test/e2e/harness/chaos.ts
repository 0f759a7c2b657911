/**
 * Crashes for the soaks: kill n8n with SIGKILL (no shutdown, nothing saved), restart it, and find
 * out afterwards what n8n itself shows about each event (an execution that crashed or failed is
 * visible to the user, who can retry it; an event with neither an effect nor such an execution
 * has vanished).
 */
import { readdirSync, readFileSync } from 'node:fs';

import type { N8nInstance } from './n8n';
import { progress, sleep, waitUntil, type Log } from './proc';

/** Process ids of n8n and its task runner: every process started with this user folder. */
export function n8nProcessIds(n8n: Pick<N8nInstance, 'userFolder'>): number[] {
	const marker = `N8N_USER_FOLDER=${n8n.userFolder}\0`;
	const pids: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
		try {
			if (`${readFileSync(`/proc/${entry}/environ`, 'latin1')}\0`.includes(marker)) pids.push(Number(entry));
		} catch {
			// gone meanwhile, or not ours
		}
	}
	return pids;
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/** kill -9 of n8n and its task runner, at once; resolves when they are gone. Returns how many were killed. */
export async function killN8nHard(n8n: N8nInstance, log: Log = progress): Promise<number> {
	const pids = n8nProcessIds(n8n);
	if (pids.length === 0) throw new Error('no n8n process found to kill');
	for (const pid of pids) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			// already gone
		}
	}
	await waitUntil(() => (pids.some(alive) ? undefined : true), { timeoutMs: 10_000, intervalMs: 50, describe: () => 'n8n to die after SIGKILL' });
	log(`killed n8n with SIGKILL (${pids.length} processes)`);
	return pids.length;
}

/** kill -9, then start n8n again on the same port and database (restart() notices the process is gone). */
export async function crashAndRestart(n8n: N8nInstance, log: Log = progress): Promise<{ downMs: number }> {
	const started = Date.now();
	await killN8nHard(n8n, log);
	await sleep(200); // let the child's exit event land, so restart() does not wait for a graceful stop
	await n8n.restart();
	return { downMs: Date.now() - started };
}

export interface ExecutionMention {
	executionId: number;
	status: string;
	mode: string;
	startedAt: string | null;
	stoppedAt: string | null;
}

/**
 * For each id, the executions of the workflow whose saved data contains it, with their status
 * (after a restart n8n marks executions a kill interrupted as "crashed").
 */
export async function executionsMentioning(n8n: N8nInstance, workflowId: string, ids: readonly string[]): Promise<Map<string, ExecutionMention[]>> {
	const rows = await n8n.query<{ id: number; status: string; mode: string; startedAt: string | null; stoppedAt: string | null; data: string | null }>(
		`SELECT e.id AS id, e.status AS status, e.mode AS mode, e.startedAt AS startedAt, e.stoppedAt AS stoppedAt, d.data AS data FROM execution_entity e
		 LEFT JOIN execution_data d ON d.executionId = e.id WHERE e.workflowId = ? ORDER BY e.id`,
		[workflowId],
	);
	const out = new Map<string, ExecutionMention[]>();
	for (const id of ids) out.set(id, []);
	for (const row of rows) {
		const text = row.data ?? '';
		for (const id of ids) if (text.includes(id)) out.get(id)!.push({ executionId: row.id, status: row.status, mode: row.mode, startedAt: row.startedAt, stoppedAt: row.stoppedAt });
	}
	return out;
}
