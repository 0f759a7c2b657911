import { scanJsonScalar } from '../../../../nodes/shared/providers/rawJson';

describe('scanJsonScalar (a signed field read before the body is parsed)', () => {
	it.each([
		['{"items":[{"id":1},{"id":"x"}]}', 'items.1.id', 'x'],
		['\ufeff{"a":{"b":[0, 5 ,"7"]}}', 'a.b.2', '7'],
		['{"a":1,"a":2}', 'a', '2'], // the last duplicate wins, as in JSON.parse
		['{"t":"\\u0031"}', 't', '1'],
		['{"x":{"timestamp":"nested"},"timestamp":"top"}', 'timestamp', 'top'],
		['{"note":"\\"timestamp\\":1","timestamp":2}', 'timestamp', '2'],
		['{"timestamp":{"a":1}}', 'timestamp', undefined],
		['{"timestamp":""}', 'timestamp', undefined],
		['{"timestamp":1', 'timestamp', undefined],
		['[1,2]', 'timestamp', undefined],
	])('%s at %s', (json, path, expected) => {
		expect(scanJsonScalar(json, path)).toBe(expected);
	});
});
