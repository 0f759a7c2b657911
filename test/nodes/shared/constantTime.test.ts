/**
 * README: "Signatures are checked ... in constant time." Timing cannot be measured reliably in a
 * unit test, so this checks the structure that makes it true: one comparison function
 * (findSignatureMatch in nodes/shared/verification.ts, built on crypto.timingSafeEqual), used by
 * every provider, and no other way of comparing signature bytes anywhere in the shipped code.
 * Then, at run time, every provider's accept decision is shown to come from timingSafeEqual.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import { credentialsFor, signAs } from '../../helpers/signing';

const compared: Array<[Buffer, Buffer]> = [];
let forceMismatch = false;
jest.mock('node:crypto', () => {
	const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
	return {
		...actual,
		timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
			compared.push([Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)]);
			return forceMismatch ? false : actual.timingSafeEqual(a, b);
		},
	};
});

// Imported after the mock (ts-jest hoists jest.mock anyway), so they use it.
import { PROVIDERS } from '../../../nodes/shared/providers/registry';
import type { InboundRequest } from '../../../nodes/shared/providers/types';
import { buildSigningConfig } from '../../../nodes/shared/signingConfig';
import { WebhookRejection } from '../../../nodes/shared/verification';

const ROOT = join(__dirname, '../../..');
function shippedSources(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) return shippedSources(path);
		return path.endsWith('.ts') ? [path] : [];
	});
}
const sources = [...shippedSources(join(ROOT, 'nodes')), ...shippedSources(join(ROOT, 'credentials'))].map((path) => ({
	file: relative(ROOT, path),
	// Comments say things like "the signature === ..." in prose; only code counts.
	code: readFileSync(path, 'utf8')
		.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ''))
		.replace(/(^|[^:'"`])\/\/.*$/gm, '$1'),
}));
const filesUsing = (pattern: RegExp) => sources.filter((s) => pattern.test(s.code)).map((s) => s.file);

describe('one comparison function, used everywhere', () => {
	it('timingSafeEqual and createHmac appear in nodes/shared/verification.ts only, timingSafeEqual once', () => {
		expect(filesUsing(/timingSafeEqual/)).toEqual(['nodes/shared/verification.ts']);
		expect(filesUsing(/createHmac/)).toEqual(['nodes/shared/verification.ts']);
		const verification = sources.find((s) => s.file === 'nodes/shared/verification.ts')!.code;
		expect(verification.match(/timingSafeEqual\(/g)).toHaveLength(1);
		// ...inside findSignatureMatch, and the raw hmac() is not used to compare anywhere else.
		const body = verification.slice(verification.indexOf('export function findSignatureMatch'), verification.indexOf('export function anySignatureMatches'));
		expect(body).toContain('timingSafeEqual(');
		expect(filesUsing(/\bhmac\(/)).toEqual(['nodes/shared/verification.ts']);
	});

	it('every provider with a verify() checks its signature through findSignatureMatch (or its boolean form)', () => {
		for (const provider of PROVIDERS) {
			const file = `nodes/shared/providers/${provider.id}.ts`;
			const source = sources.find((s) => s.file === file);
			expect([file, source !== undefined]).toEqual([file, true]);
			expect([file, /(findSignatureMatch|anySignatureMatches)\(/.test(source!.code)]).toEqual([file, true]);
		}
	});

	it('no Buffer.equals, Buffer.compare or === on signature bytes in the shipped code', () => {
		// signingConfig compares two decoded credentials (secret with secret, never request input);
		// comparing with a named constant (a byte-order mark) leaks nothing.
		expect(filesUsing(/\.equals\((?![A-Z0-9_]+\))|\.compare\(|Buffer\.compare/)).toEqual(['nodes/shared/signingConfig.ts']);
		const signatureLike = /\b\w*(?:signature|candidate|expected|digest|hmac|mac)\w*\b/i;
		const offending: string[] = [];
		// The ledger compares digests of event IDs (public), not signatures.
		for (const { file, code } of sources.filter((s) => s.file !== 'nodes/shared/ledger/Ledger.ts')) {
			code.split('\n').forEach((line, i) => {
				for (const m of line.matchAll(/([\w.[\]'"()]+)\s*[!=]==?\s*([\w.[\]'"()]+)/g)) {
					const [left, right] = [m[1], m[2]].map((side) => side.replace(/^\(+|\)+$/g, ''));
					const sides = [left, right].filter((side) => signatureLike.test(side) && !/\.length$/.test(side));
					// A constant (a reason name, a type name, nothing) is public: comparing with it leaks nothing.
					const constant = /^(undefined|null|\d+|'[^']*'|"[^"]*")$/;
					const againstNothing = constant.test(right) || constant.test(left);
					if (sides.length > 0 && !againstNothing) offending.push(`${file}:${i + 1}: ${line.trim()}`);
				}
			});
		}
		expect(offending).toEqual([]);
	});
});

describe('at run time, every accept decision comes from timingSafeEqual', () => {
	const SECRET = 'whsec_' + Buffer.from('constant time key constant time').toString('base64');
	const URL = 'https://n8n.example.com/webhook/abc/pos';
	const credentials = credentialsFor(SECRET);

	it.each(PROVIDERS.map((p) => [p.id, p] as const))('%s', (id, provider) => {
		const body = JSON.stringify({ id: 'e1', event_id: 'e1', guid: 'e1', type: 'order.paid', timestamp: new Date().toISOString() });
		const headers: Record<string, string> = {};
		signAs(id, SECRET, { body, id: 'e1', url: URL, headers });
		const config = buildSigningConfig(credentials[id], Date.now());
		const request: InboundRequest = { headers, rawBody: Buffer.from(body), notificationUrl: URL };
		const verify = () => provider.verify({ request, keys: config.keys, credential: config.credential });

		compared.length = 0;
		forceMismatch = false;
		expect(() => verify()).not.toThrow();
		expect(compared.length).toBeGreaterThanOrEqual(1);
		expect(compared.every(([a, b]) => a.length === b.length)).toBe(true);

		// The same genuine request, with timingSafeEqual saying "different": refused, so no other comparison accepted it.
		forceMismatch = true;
		try {
			expect(verify).toThrow(WebhookRejection);
			expect(() => verify()).toThrow(expect.objectContaining({ reason: 'invalid_signature' }));
		} finally {
			forceMismatch = false;
		}
	});
});
