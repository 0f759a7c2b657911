/**
 * Small process and logging helpers shared by the harness: progress lines that are never hidden
 * (written straight to stderr, which jest does not buffer), and child commands whose output is
 * kept so a failure can show it.
 */
import { spawn } from 'node:child_process';

export type Log = (message: string) => void;

/** Progress on stderr with a clock, e.g. `[e2e 12:03:04] booting n8n`. */
export const progress: Log = (message) => {
	const clock = new Date().toISOString().slice(11, 19);
	process.stderr.write(`[e2e ${clock}] ${message}\n`);
};

export const quiet: Log = () => undefined;

export interface RunOptions {
	cwd?: string;
	env?: NodeJS.ProcessEnv;
	/** Kill the command (and its group) after this long. */
	timeoutMs?: number;
	/** Called with every output line as it arrives (provisioning shows its progress this way). */
	onLine?: (line: string) => void;
}

export interface RunResult {
	stdout: string;
	stderr: string;
	durationMs: number;
}

export class CommandError extends Error {
	constructor(
		message: string,
		readonly output: string,
	) {
		super(`${message}\n--- output (tail) ---\n${tailLines(output, 60)}`);
		this.name = 'CommandError';
	}
}

/** Runs a command to completion; rejects with its output when it fails or times out. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
	const started = Date.now();
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {
			cwd: options.cwd,
			env: options.env ?? process.env,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		let all = '';
		let pending = '';
		const onData = (which: 'out' | 'err') => (chunk: Buffer) => {
			const text = chunk.toString('utf8');
			if (which === 'out') stdout += text;
			else stderr += text;
			all += text;
			if (options.onLine) {
				pending += text;
				const lines = pending.split('\n');
				pending = lines.pop() ?? '';
				for (const line of lines) options.onLine(line);
			}
		};
		child.stdout.on('data', onData('out'));
		child.stderr.on('data', onData('err'));
		let timedOut = false;
		const timer =
			options.timeoutMs === undefined
				? undefined
				: setTimeout(() => {
						timedOut = true;
						child.kill('SIGKILL');
					}, options.timeoutMs);
		child.on('error', (error) => {
			if (timer) clearTimeout(timer);
			reject(new CommandError(`${command} could not start: ${error.message}`, all));
		});
		child.on('close', (code, signal) => {
			if (timer) clearTimeout(timer);
			if (options.onLine && pending !== '') options.onLine(pending);
			const label = `${command} ${args.join(' ')}`;
			if (timedOut) reject(new CommandError(`${label} timed out after ${options.timeoutMs} ms`, all));
			else if (code !== 0) reject(new CommandError(`${label} failed (exit ${code ?? signal})`, all));
			else resolve({ stdout, stderr, durationMs: Date.now() - started });
		});
	});
}

/** Signals a whole process group (children started with detached: true lead their own group). */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
	if (pid === undefined) return;
	try {
		process.kill(-pid, signal);
	} catch {
		// already gone
	}
}

/**
 * Kills process group `groupPid` when this process ends in any way, even SIGKILL or a jest crash
 * (a leftover n8n holds its ports and 800 MB). Exit hooks cannot do this: jest gives each test
 * file a copy of `process` whose 'exit' listeners never fire. So a tiny shell watches us instead;
 * it leaves by itself once the group is gone.
 */
export function watchdog(groupPid: number | undefined): void {
	if (groupPid === undefined) return;
	const script =
		`while kill -0 ${process.pid} 2>/dev/null && kill -0 -${groupPid} 2>/dev/null; do sleep 1; done; ` +
		`kill -KILL -${groupPid} 2>/dev/null; exit 0`;
	const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
	child.unref();
}

export function tailLines(text: string, lines: number): string {
	const all = text.split('\n');
	if (all.length > 0 && all[all.length - 1] === '') all.pop();
	return all.slice(-lines).join('\n');
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** True when `promise` settles within ms, false otherwise; leaves no timer behind. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<boolean>((resolve) => {
		timer = setTimeout(() => resolve(false), ms);
	});
	try {
		return await Promise.race([promise.then(() => true), timeout]);
	} finally {
		clearTimeout(timer);
	}
}

/** Polls until check() returns a value other than undefined, or throws describe() after timeoutMs. */
export async function waitUntil<T>(
	check: () => Promise<T | undefined> | T | undefined,
	{ timeoutMs, intervalMs = 100, describe }: { timeoutMs: number; intervalMs?: number; describe: () => string },
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${describe()}`);
		await sleep(intervalMs);
	}
}

export function seconds(ms: number): string {
	return `${(ms / 1000).toFixed(1)} s`;
}
