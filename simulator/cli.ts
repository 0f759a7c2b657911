/**
 * Command line for the POS simulator: `serve` the events APIs, `send` signed webhooks with faults,
 * `sign` one body. Run with `npx tsx simulator/cli.ts <command> [flags]` or
 * `npm run simulator -- <command> [flags]`. Flags are parsed with node:util (no dependencies).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { deliver, formatTotals, type FaultOptions } from './delivery';
import { generateEvents } from './events';
import { startSimulator } from './server';
import {
	DEFAULT_CUSTOM_SCHEME,
	FORGERY_KINDS,
	forgeRequest,
	isProviderName,
	PROVIDER_NAMES,
	signRequest,
	type CustomScheme,
	type ForgeryKind,
	type ProviderName,
} from './signers';

const HELP = `POS simulator: a fake point-of-sale that signs, delivers and serves events like the real vendors.

Usage: npx tsx simulator/cli.ts <command> [flags]      (or: npm run simulator -- <command> [flags])

Commands
  serve    Start the simulated POS API (events APIs, order look-ups, /loyalty, /sms, /_report)
  send     Generate orders for a provider and deliver them as signed webhooks, with faults; prints a report
  sign     Print the headers (and exact body) a vendor would send for a body
  help     This text

Common
  --provider <p>             ${PROVIDER_NAMES.join(' | ')}
  --seed <n>                 PRNG seed: same seed, same orders and fault decisions (default 1)
  --non-order-rate <0..1>    Share of non-order events (menu changed, shift started) (default 0)

serve
  --port <n>                 Port (default 8787; 0 = random free port)
  --host <addr>              Listen address (default 127.0.0.1)
  --token <t>                Bearer token the APIs require (default sim_test_token)
  --preload <n>              Generate n events of --provider at start (default 0)
  --latency-ms <n>           Delay before every API answer
  --rate-limit <n>           Answer the first n API requests 429 with Retry-After
  --retry-after <s>          Retry-After seconds on those 429s (default 1)
  --server-errors <n>        Then answer n API requests with a 5xx
  --server-error-status <n>  Which 5xx (default 503)
  --log                      Print one line per request

send
  --url <url>                Receiver URL (required), e.g. an n8n production webhook URL
  --secret <s>               Signing secret; repeat for several (rotation) (required)
  --count <n>                Events to generate (default 10)
  --notification-url <url>   Square: the URL as registered in Square, which it signs (default --url)
  --simulator <url>          Also add the events to a running simulator (POST /_events), so
                             reconciliation can recover the dropped ones
  --time-scale <f>           Multiply vendor retry delays (default 0.001: 5 min -> 0.3 s; 1 = real time)
  --timeout-ms <n>           Answer timeout per request (default: the vendor's, e.g. Toast 2000)
  --concurrency <n>          Requests in flight at once (default 8)
  --interval-ms <n>          Gap between starting consecutive events (default 0)
  --json                     Print the full report as JSON instead of the summary
  --events-out <file>        Write the generated events (with their exact bodies) to a JSON file
  --strict                   Exit 1 if any answer was unexpected or an event was accepted twice
 Faults (rates are probabilities 0..1, per event)
  --drop <r>                 Never send the event by webhook
  --duplicate <r>            Send it again after it was delivered
  --concurrent-duplicate <r> Send the first attempt as several copies at once
  --copies <n>               Copies for a concurrent duplicate (default 3)
  --delay-ms <n>             Fixed wait before each event's first attempt
  --jitter-ms <n>            Random extra wait, 0..n ms
  --reorder <r>              Move the event later in the sending order
  --forge <r>                Send a forged request (expected answer: 401)
  --forgery-kinds <list>     Comma list of ${FORGERY_KINDS.join(', ')} (default: all that apply)
  --replay <r>               Replay a captured request after delivery
  --stale-replay <0..1>      Share of replays signed 10 min ago (expected 401; others expect "duplicate") (default 0.5)
  --replay-age <s>           Age of a stale replay (default 600)

sign
  --secret <s>               Signing secret; repeat for several
  --body <json>              The body, sent byte for byte   (or --body-file <path>)
  --id <id>                  Message id (webhook-id, X-Shopify-Webhook-Id, custom id)
  --timestamp <unix>         Signed time (default now)
  --url <url>                Square notification URL / custom {url}
  --topic <t> --shop-domain <d>   Shopify headers
  --restaurant <guid> --attempt <n> Toast headers
  --forge <kind>             Produce a forgery instead (${FORGERY_KINDS.join(', ')})
  --curl <url>               Print a curl command posting to <url> instead of JSON

custom provider (send and sign)
  --custom-header <h>        Signature header (default ${DEFAULT_CUSTOM_SCHEME.signatureHeader})
  --custom-algorithm <a>     sha1 | sha256 | sha512 (default ${DEFAULT_CUSTOM_SCHEME.algorithm})
  --custom-encoding <e>      hex | base64 (default ${DEFAULT_CUSTOM_SCHEME.encoding})
  --custom-prefix <p>        e.g. sha256= (default ${DEFAULT_CUSTOM_SCHEME.prefix})
  --custom-template <t>      Signed bytes with {body} {timestamp} {id} {url} (default ${DEFAULT_CUSTOM_SCHEME.template})
  --custom-timestamp-header <h>  (default ${DEFAULT_CUSTOM_SCHEME.timestampHeader})
  --custom-id-header <h>     (default ${DEFAULT_CUSTOM_SCHEME.idHeader})

Examples
  npx tsx simulator/cli.ts serve --port 8787 --token sim_test_token --preload 500 --provider stripe
  npx tsx simulator/cli.ts send --provider standardWebhooks --url http://127.0.0.1:5678/webhook/pos \\
      --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw --count 50 --drop 0.1 --duplicate 0.2 --forge 0.1 --replay 0.1
  npx tsx simulator/cli.ts sign --provider stripe --secret whsec_test --body '{"id":"evt_1","object":"event"}'
`;

const OPTIONS = {
	help: { type: 'boolean', short: 'h' },
	provider: { type: 'string' },
	seed: { type: 'string' },
	'non-order-rate': { type: 'string' },
	port: { type: 'string' },
	host: { type: 'string' },
	token: { type: 'string' },
	preload: { type: 'string' },
	'latency-ms': { type: 'string' },
	'rate-limit': { type: 'string' },
	'retry-after': { type: 'string' },
	'server-errors': { type: 'string' },
	'server-error-status': { type: 'string' },
	log: { type: 'boolean' },
	url: { type: 'string' },
	secret: { type: 'string', multiple: true },
	count: { type: 'string' },
	'notification-url': { type: 'string' },
	simulator: { type: 'string' },
	'time-scale': { type: 'string' },
	'timeout-ms': { type: 'string' },
	concurrency: { type: 'string' },
	'interval-ms': { type: 'string' },
	json: { type: 'boolean' },
	'events-out': { type: 'string' },
	strict: { type: 'boolean' },
	drop: { type: 'string' },
	duplicate: { type: 'string' },
	'concurrent-duplicate': { type: 'string' },
	copies: { type: 'string' },
	'delay-ms': { type: 'string' },
	'jitter-ms': { type: 'string' },
	reorder: { type: 'string' },
	forge: { type: 'string' },
	'forgery-kinds': { type: 'string' },
	replay: { type: 'string' },
	'stale-replay': { type: 'string' },
	'replay-age': { type: 'string' },
	body: { type: 'string' },
	'body-file': { type: 'string' },
	id: { type: 'string' },
	timestamp: { type: 'string' },
	topic: { type: 'string' },
	'shop-domain': { type: 'string' },
	restaurant: { type: 'string' },
	attempt: { type: 'string' },
	curl: { type: 'string' },
	'custom-header': { type: 'string' },
	'custom-algorithm': { type: 'string' },
	'custom-encoding': { type: 'string' },
	'custom-prefix': { type: 'string' },
	'custom-template': { type: 'string' },
	'custom-timestamp-header': { type: 'string' },
	'custom-id-header': { type: 'string' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

class UsageError extends Error {}

function num(flags: Flags, name: keyof Flags, def?: number): number | undefined {
	const raw = flags[name];
	if (raw === undefined) return def;
	const n = Number(raw);
	if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number`);
	return n;
}

function rate(flags: Flags, name: keyof Flags): number | undefined {
	const r = num(flags, name);
	if (r !== undefined && (r < 0 || r > 1)) throw new UsageError(`--${name} must be between 0 and 1`);
	return r;
}

function provider(flags: Flags, def?: ProviderName): ProviderName {
	const p = flags.provider ?? def;
	if (!p) throw new UsageError('--provider is required');
	if (!isProviderName(p)) throw new UsageError(`--provider must be one of ${PROVIDER_NAMES.join(', ')}`);
	return p;
}

function customScheme(flags: Flags): CustomScheme {
	const algorithm = flags['custom-algorithm'] ?? DEFAULT_CUSTOM_SCHEME.algorithm;
	const encoding = flags['custom-encoding'] ?? DEFAULT_CUSTOM_SCHEME.encoding;
	if (!['sha1', 'sha256', 'sha512'].includes(algorithm)) throw new UsageError('--custom-algorithm must be sha1, sha256 or sha512');
	if (!['hex', 'base64'].includes(encoding)) throw new UsageError('--custom-encoding must be hex or base64');
	return {
		signatureHeader: flags['custom-header'] ?? DEFAULT_CUSTOM_SCHEME.signatureHeader,
		algorithm: algorithm as CustomScheme['algorithm'],
		encoding: encoding as CustomScheme['encoding'],
		prefix: flags['custom-prefix'] ?? DEFAULT_CUSTOM_SCHEME.prefix,
		template: flags['custom-template'] ?? DEFAULT_CUSTOM_SCHEME.template,
		timestampHeader: flags['custom-timestamp-header'] ?? DEFAULT_CUSTOM_SCHEME.timestampHeader,
		idHeader: flags['custom-id-header'] ?? DEFAULT_CUSTOM_SCHEME.idHeader,
	};
}

function secrets(flags: Flags): string[] {
	const s = flags.secret ?? [];
	if (s.length === 0) throw new UsageError('--secret is required (repeat it for several)');
	return s;
}

function forgeryKinds(list: string | undefined): ForgeryKind[] | undefined {
	if (!list) return undefined;
	const kinds = list.split(',').map((k) => k.trim());
	for (const k of kinds) if (!(FORGERY_KINDS as readonly string[]).includes(k)) throw new UsageError(`unknown forgery kind ${k}`);
	return kinds as ForgeryKind[];
}

async function serve(flags: Flags, out: (s: string) => void): Promise<number> {
	const sim = await startSimulator({
		port: num(flags, 'port', 8787),
		host: flags.host,
		apiToken: flags.token,
		seed: num(flags, 'seed', 1),
		latencyMs: num(flags, 'latency-ms', 0),
		faults: {
			rateLimit: num(flags, 'rate-limit', 0),
			retryAfterSeconds: num(flags, 'retry-after', 1),
			serverErrors: num(flags, 'server-errors', 0),
			serverErrorStatus: num(flags, 'server-error-status', 503),
		},
		log: flags.log ? (line) => out(line) : undefined,
	});
	const preload = num(flags, 'preload', 0) ?? 0;
	if (preload > 0) sim.generate({ provider: provider(flags, 'standardWebhooks'), count: preload, nonOrderRate: rate(flags, 'non-order-rate') });
	out(`POS simulator listening on ${sim.url}  (token: ${sim.apiToken}, events: ${sim.store.size})`);
	out(`  generic  GET  ${sim.url}/events?since=&until=&cursor=&limit=`);
	out(`  stripe   GET  ${sim.url}/v1/events      square  POST ${sim.url}/v2/events`);
	out(`  report   GET  ${sim.url}/_report        health  GET  ${sim.url}/_health`);
	await new Promise<void>((resolve) => {
		const stop = () => resolve();
		process.once('SIGINT', stop);
		process.once('SIGTERM', stop);
	});
	await sim.close();
	return 0;
}

async function send(flags: Flags, out: (s: string) => void): Promise<number> {
	const p = provider(flags);
	if (!flags.url) throw new UsageError('--url is required');
	const secretList = secrets(flags);
	const seed = num(flags, 'seed', 1) ?? 1;
	const events = generateEvents({ provider: p, count: num(flags, 'count', 10) ?? 10, seed, nonOrderRate: rate(flags, 'non-order-rate') });
	if (flags['events-out']) writeFileSync(flags['events-out'], JSON.stringify(events, null, 2));
	if (flags.simulator) {
		const res = await fetch(`${flags.simulator.replace(/\/+$/, '')}/_events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
		if (!res.ok) throw new Error(`simulator refused the events: ${res.status} ${await res.text()}`);
	}
	const faults: FaultOptions = {
		drop: rate(flags, 'drop'),
		duplicate: rate(flags, 'duplicate'),
		concurrentDuplicate: rate(flags, 'concurrent-duplicate'),
		concurrentCopies: num(flags, 'copies'),
		delayMs: num(flags, 'delay-ms'),
		jitterMs: num(flags, 'jitter-ms'),
		reorder: rate(flags, 'reorder'),
		forge: rate(flags, 'forge'),
		forgeryKinds: forgeryKinds(flags['forgery-kinds']),
		replay: rate(flags, 'replay'),
		staleReplayFraction: rate(flags, 'stale-replay'),
		replayAgeSeconds: num(flags, 'replay-age'),
	};
	const report = await deliver({
		url: flags.url,
		provider: p,
		secrets: secretList,
		notificationUrl: flags['notification-url'],
		custom: p === 'custom' ? customScheme(flags) : undefined,
		events,
		seed,
		faults,
		timeScale: num(flags, 'time-scale', 0.001),
		requestTimeoutMs: num(flags, 'timeout-ms'),
		concurrency: num(flags, 'concurrency'),
		intervalMs: num(flags, 'interval-ms'),
	});
	out(flags.json ? JSON.stringify(report, null, 2) : formatTotals(report));
	const bad = report.totals.unexpected > 0 || report.totals.eventsAcceptedMoreThanOnce > 0;
	return flags.strict && bad ? 1 : 0;
}

function sign(flags: Flags, out: (s: string) => void): number {
	const p = provider(flags);
	const body = flags['body-file'] ? readFileSync(flags['body-file'], 'utf8') : flags.body;
	if (body === undefined) throw new UsageError('--body or --body-file is required');
	const opts = {
		body,
		secrets: secrets(flags),
		id: flags.id,
		timestamp: num(flags, 'timestamp'),
		url: flags.url,
		custom: p === 'custom' ? customScheme(flags) : undefined,
		shopify: { topic: flags.topic, shopDomain: flags['shop-domain'] },
		toast: { restaurantExternalId: flags.restaurant, attemptNumber: num(flags, 'attempt') },
	};
	let kind: ForgeryKind | undefined;
	if (flags.forge) {
		const kinds = forgeryKinds(flags.forge);
		if (!kinds || kinds.length !== 1) throw new UsageError('--forge takes one forgery kind');
		kind = kinds[0];
	}
	const signed = kind ? forgeRequest(kind, p, opts) : signRequest(p, opts);
	if (flags.curl) {
		const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
		const headers = Object.entries(signed.headers).map(([k, v]) => `-H ${q(`${k}: ${v}`)}`);
		out(['curl -sS -X POST', q(flags.curl), ...headers, `--data-binary ${q(signed.body)}`].join(' \\\n  '));
	} else {
		out(JSON.stringify({ headers: signed.headers, body: signed.body }, null, 2));
	}
	return 0;
}

/** Runs one command; returns the exit code. Exported for tests. */
export async function main(argv: string[], out: (s: string) => void = (s) => console.log(s), err: (s: string) => void = (s) => console.error(s)): Promise<number> {
	let parsed;
	try {
		parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
	} catch (e) {
		err(`${(e as Error).message}\nRun with --help for the flags.`);
		return 2;
	}
	const command = parsed.positionals[0] ?? 'help';
	if (parsed.values.help || command === 'help') {
		out(HELP);
		return 0;
	}
	try {
		switch (command) {
			case 'serve':
				return await serve(parsed.values, out);
			case 'send':
				return await send(parsed.values, out);
			case 'sign':
				return sign(parsed.values, out);
			default:
				err(`Unknown command "${command}". Run with --help.`);
				return 2;
		}
	} catch (e) {
		if (e instanceof UsageError) {
			err(`${e.message}\nRun with --help for the flags.`);
			return 2;
		}
		err(e instanceof Error ? e.message : String(e));
		return 1;
	}
}

if (require.main === module) {
	main(process.argv.slice(2)).then(
		(code) => {
			process.exitCode = code;
		},
		(e: unknown) => {
			console.error(e);
			process.exitCode = 1;
		},
	);
}
