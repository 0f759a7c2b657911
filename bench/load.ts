import { Agent, request } from 'node:http';

/**
 * A small closed-loop load generator: `concurrency` clients, each sending its next request as
 * soon as the previous answer arrived, for `durationMs`. Keep-alive, like a POS's HTTP client.
 * Several URLs (several n8n webhook processes behind one address): request i goes to url i mod n,
 * so the requests are split evenly whichever process answers faster.
 */
export interface LoadResult {
	requests: number;
	/** From the first request until the last reply (the clients finish what they sent before the deadline). */
	elapsedMs: number;
	rps: number;
	p50Ms: number;
	p99Ms: number;
	statuses: Record<string, number>;
	replies: Record<string, number>;
	/** Requests per URL (host:port), when the load was spread over several. */
	perTarget?: Record<string, number>;
}

export interface OneRequest {
	headers: Record<string, string>;
	body: string;
}

export async function runLoad(url: string | readonly string[], make: (i: number) => OneRequest, concurrency: number, durationMs: number): Promise<LoadResult> {
	const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
	const latencies: number[] = [];
	const statuses: Record<string, number> = {};
	const replies: Record<string, number> = {};
	let next = 0;
	const started = performance.now();
	const deadline = started + durationMs;
	const targets = (typeof url === 'string' ? [url] : url).map((u) => new URL(u));
	if (targets.length === 0) throw new Error('runLoad: no URL');
	const perTarget: Record<string, number> = {};
	const client = async () => {
		while (performance.now() < deadline) {
			const i = next++;
			const r = make(i);
			const target = targets[i % targets.length];
			perTarget[target.host] = (perTarget[target.host] ?? 0) + 1;
			const t0 = performance.now();
			const { status, body } = await new Promise<{ status: number; body: string }>((resolve) => {
				const req = request(
					{ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', ...r.headers } },
					(res) => {
						let text = '';
						res.setEncoding('utf8');
						res.on('data', (c) => (text += c));
						res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
					},
				);
				req.on('error', () => resolve({ status: 0, body: '' }));
				req.end(r.body);
			});
			latencies.push(performance.now() - t0);
			statuses[status] = (statuses[status] ?? 0) + 1;
			let reply = 'other';
			try {
				reply = String((JSON.parse(body) as { status?: string }).status ?? 'other');
			} catch {
				/* not JSON */
			}
			replies[reply] = (replies[reply] ?? 0) + 1;
		}
	};
	await Promise.all(Array.from({ length: concurrency }, client));
	const elapsed = (performance.now() - started) / 1000;
	agent.destroy();
	latencies.sort((a, b) => a - b);
	const pct = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] * 10) / 10;
	return { requests: latencies.length, elapsedMs: Math.round(elapsed * 1000), rps: Math.round((latencies.length / elapsed) * 10) / 10, p50Ms: pct(0.5), p99Ms: pct(0.99), statuses, replies, ...(targets.length > 1 ? { perTarget } : {}) };
}
