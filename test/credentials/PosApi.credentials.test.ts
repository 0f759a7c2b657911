import { PosApi } from '../../credentials/PosApi.credentials';
import { PROVIDERS } from '../../nodes/shared/providers/registry';

/** Evaluates one of our "={{ ... }}" expressions the way n8n would, with $credentials bound. */
function evaluate(expression: string, credentials: Record<string, string>): unknown {
	const code = expression.replace(/^=\{\{/, '').replace(/\}\}$/, '');
	return new Function('$credentials', `return (${code});`)(credentials);
}

describe('POS API credential', () => {
	const cred = new PosApi();

	it('keeps every secret in a password field', () => {
		for (const name of ['signingSecret', 'previousSigningSecret', 'apiToken']) {
			const prop = cred.properties.find((p) => p.name === name);
			expect(prop?.typeOptions?.password).toBe(true);
		}
	});

	it('lists every provider of the registry', () => {
		const options = cred.properties.find((p) => p.name === 'provider')?.options as Array<{ value: string }>;
		expect(options.map((o) => o.value)).toEqual(PROVIDERS.map((p) => p.id));
	});

	it('tests against each provider API, or the base URL the user set', () => {
		const request = cred.test.request;
		expect(evaluate(request.baseURL as string, { provider: 'stripe', baseUrl: '' })).toBe('https://api.stripe.com');
		expect(evaluate(request.url as string, { provider: 'stripe' })).toBe('/v1/events?limit=1');
		expect(evaluate(request.baseURL as string, { provider: 'square', baseUrl: 'http://127.0.0.1:9999/' })).toBe('http://127.0.0.1:9999');
		expect(evaluate(request.url as string, { provider: 'square' })).toBe('/v2/locations');
		expect(evaluate(request.url as string, { provider: 'custom' })).toBe('/events?limit=1');
	});

	it('authenticates API calls with the token as a Bearer header', () => {
		expect(cred.authenticate.properties.headers?.Authorization).toBe('=Bearer {{$credentials.apiToken}}');
	});
});
