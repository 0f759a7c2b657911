import { parseRetryAfter, retryDelayMs, retryTiming, vendorMessage } from '../../../nodes/Pos/transport';

describe('transport helpers', () => {
	const saved = { ...retryTiming };
	afterEach(() => Object.assign(retryTiming, saved));

	test('Retry-After: delay-seconds or an HTTP date', () => {
		const now = Date.parse('2025-06-01T12:00:00Z');
		expect(parseRetryAfter('3', now)).toBe(3000);
		expect(parseRetryAfter(' 0 ', now)).toBe(0);
		expect(parseRetryAfter('Sun, 01 Jun 2025 12:00:10 GMT', now)).toBe(10_000);
		expect(parseRetryAfter('Sun, 01 Jun 2025 11:00:00 GMT', now)).toBe(0);
		expect(parseRetryAfter('soon', now)).toBeUndefined();
		expect(parseRetryAfter(undefined, now)).toBeUndefined();
	});

	test('backoff grows exponentially with jitter and is capped; Retry-After wins but is capped too', () => {
		Object.assign(retryTiming, { baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 });
		for (let attempt = 0; attempt < 8; attempt++) {
			const full = Math.min(1000, 100 * 2 ** attempt);
			for (let k = 0; k < 20; k++) {
				const d = retryDelayMs(attempt);
				expect(d).toBeGreaterThanOrEqual(full / 2);
				expect(d).toBeLessThanOrEqual(full);
			}
		}
		expect(retryDelayMs(0, { statusCode: 429, headers: { 'Retry-After': '2' } })).toBe(2000);
		expect(retryDelayMs(0, { statusCode: 429, headers: { 'retry-after': '3600' } })).toBe(5000);
	});

	test('vendor error messages: Stripe, Square, generic, text', () => {
		expect(vendorMessage({ error: { message: 'No such event', type: 'invalid_request_error' } })).toBe('No such event');
		expect(vendorMessage({ errors: [{ category: 'AUTHENTICATION_ERROR', code: 'UNAUTHORIZED', detail: 'Nope' }] })).toBe('UNAUTHORIZED: Nope');
		expect(vendorMessage({ message: 'bad cursor' })).toBe('bad cursor');
		expect(vendorMessage({ error: 'invalid_token' })).toBe('invalid_token');
		expect(vendorMessage('<html>Bad Gateway</html>')).toBe('<html>Bad Gateway</html>');
		expect(vendorMessage({})).toBeUndefined();
	});
});
