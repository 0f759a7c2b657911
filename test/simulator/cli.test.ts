/** The CLI: commands run in-process through main(), and `serve` once as a real process via tsx. */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { main } from '../../simulator/cli';

const ROOT = path.resolve(__dirname, '../..');
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
	const out: string[] = [];
	const err: string[] = [];
	const code = await main(argv, (s) => out.push(s), (s) => err.push(s));
	return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('simulator CLI', () => {
	it('--help lists every command and fault flag', async () => {
		const { code, out } = await run(['--help']);
		expect(code).toBe(0);
		for (const word of ['serve', 'send', 'sign', '--drop', '--duplicate', '--concurrent-duplicate', '--reorder', '--forge', '--replay', '--jitter-ms', '--rate-limit', '--server-errors', '--time-scale']) {
			expect(out).toContain(word);
		}
	});

	it('rejects unknown flags and bad values with exit code 2', async () => {
		expect((await run(['send', '--nope'])).code).toBe(2);
		const bad = await run(['send', '--provider', 'stripe', '--url', 'http://127.0.0.1:1', '--secret', 's', '--drop', '2']);
		expect(bad).toMatchObject({ code: 2, err: expect.stringContaining('--drop must be between 0 and 1') });
		expect((await run(['frobnicate'])).code).toBe(2);
	});

	it('sign prints headers that the vendor library accepts (and forgeries it refuses)', async () => {
		const { code, out } = await run(['sign', '--provider', 'standardWebhooks', '--secret', SECRET, '--body', '{"type":"order.paid"}', '--id', 'msg_cli']);
		expect(code).toBe(0);
		const signed = JSON.parse(out) as { headers: Record<string, string>; body: string };
		expect(new Webhook(SECRET).verify(signed.body, signed.headers)).toEqual({ type: 'order.paid' });
		const forged = JSON.parse((await run(['sign', '--provider', 'standardWebhooks', '--secret', SECRET, '--body', '{}', '--forge', 'staleTimestamp'])).out) as typeof signed;
		expect(() => new Webhook(SECRET).verify(forged.body, forged.headers)).toThrow();
		const curl = await run(['sign', '--provider', 'square', '--secret', 'k', '--body', "{\"it's\":1}", '--url', 'https://x/y', '--curl', 'http://127.0.0.1:9/hook']);
		expect(curl.out).toMatch(/^curl -sS -X POST \\\n {2}'http:\/\/127\.0\.0\.1:9\/hook'/);
		expect(curl.out).toContain(`--data-binary '{"it'\\''s":1}'`); // shell-quoted, byte for byte
		expect(curl.out).toContain('x-square-hmacsha256-signature: ');
	});

	it('send delivers generated orders with faults and prints the report', async () => {
		const seen = new Set<string>();
		const server = http.createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (c: Buffer) => chunks.push(c));
			req.on('end', () => {
				let status = 'accepted';
				try {
					new Webhook(SECRET).verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>);
				} catch {
					res.writeHead(401).end(JSON.stringify({ status: 'rejected' }));
					return;
				}
				const id = String(req.headers['webhook-id']);
				if (seen.has(id)) status = 'duplicate';
				seen.add(id);
				res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
			});
		});
		await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
		const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
		try {
			const args = ['send', '--provider', 'standardWebhooks', '--url', url, '--secret', SECRET, '--count', '30', '--seed', '3', '--drop', '0.1', '--duplicate', '0.2', '--forge', '0.2', '--replay', '0.2', '--strict'];
			const text = await run(args);
			expect(text.code).toBe(0);
			expect(text.out).toMatch(/events 30: delivered \d+, dropped \d+/);
			expect(text.out).toContain('unexpected answers: 0');
			const json = await run([...args, '--json']);
			const report = JSON.parse(json.out) as { totals: { events: number; forgeriesSent: number; forgeriesRejected: number } };
			expect(report.totals.events).toBe(30);
			expect(report.totals.forgeriesRejected).toBe(report.totals.forgeriesSent);
		} finally {
			await new Promise<void>((ok) => server.close(() => ok()));
		}
	});

	it('serve starts a real server from the command line and stops on SIGTERM', async () => {
		const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'simulator/cli.ts', 'serve', '--port', '0', '--preload', '25', '--provider', 'stripe'], {
			cwd: ROOT,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		try {
			const url = await new Promise<string>((resolve, reject) => {
				let buf = '';
				const timer = setTimeout(() => reject(new Error(`serve did not start: ${buf}`)), 15_000);
				child.stdout.on('data', (c: Buffer) => {
					buf += c.toString();
					const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(buf);
					if (m) {
						clearTimeout(timer);
						resolve(m[1]);
					}
				});
				child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${buf}`)));
			});
			expect(await (await fetch(`${url}/_health`)).json()).toEqual({ status: 'ok', events: 25 });
			const list = (await (await fetch(`${url}/v1/events?limit=3`, { headers: { authorization: 'Bearer sim_test_token' } })).json()) as { data: unknown[]; has_more: boolean };
			expect(list).toMatchObject({ has_more: true });
			expect(list.data).toHaveLength(3);
		} finally {
			const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
			child.kill('SIGTERM');
			expect(await exited).toBe(0);
		}
	}, 20_000);
});
