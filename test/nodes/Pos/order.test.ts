import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { SQUARE_VERSION } from '../../../nodes/Pos/transport';
import { squareOrder, stripePaymentIntent } from './fixtures';
import { FixtureServer } from './fixtureServer';
import { credentialFor, expectRejection, fastRetries, newWorkflowId, runPos } from './setup';

const server = new FixtureServer();
beforeAll(async () => {
	fastRetries();
	await server.start();
});
afterAll(async () => server.stop());
beforeEach(() => {
	server.requests.length = 0;
	server.intercept = undefined;
});

const orderGet = (orderId: string, extra = {}) => ({ resource: 'order', operation: 'get', orderId, ...extra });

describe('Order > Get', () => {
	test('Stripe: GET /v1/payment_intents/{id}', async () => {
		const { items, output } = await runPos({ server, provider: 'stripe', parameters: orderGet('pi_3PqAbC'), workflowId: newWorkflowId() });
		expect(items).toEqual([stripePaymentIntent('pi_3PqAbC')]);
		expect(output[0].pairedItem).toEqual({ item: 0 });
		expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/v1/payment_intents/pi_3PqAbC' });
		expect(server.requests[0].headers.authorization).toBe(`Bearer ${server.token}`);
	});

	test('Square: GET /v2/orders/{id}, returns the order itself', async () => {
		const { items } = await runPos({ server, provider: 'square', parameters: orderGet('CAISEHZ4'), workflowId: newWorkflowId() });
		expect(items).toEqual([squareOrder('CAISEHZ4')]);
		expect(server.requests[0].path).toBe('/v2/orders/CAISEHZ4');
		expect(server.requests[0].headers['square-version']).toBe(SQUARE_VERSION);
		expect(server.requests[0].headers.authorization).toBe(`Bearer ${server.token}`);
	});

	test('generic: GET {baseUrl}/orders/{id} by default, a configurable Order Path, one call per item', async () => {
		server.orders.set('o-1', { id: 'o-1', total: 1850 });
		server.orders.set('o 2', { id: 'o 2', total: 990 });
		const { items } = await runPos({
			server,
			provider: 'standardWebhooks',
			parameters: orderGet(''),
			itemParameters: [{ orderId: 'o-1' }, { orderId: 'o 2', apiOptions: { orderPath: '/api/orders/{orderId}' } }],
			inputItems: [{ json: {} }, { json: {} }],
			workflowId: newWorkflowId(),
		});
		expect(items).toEqual([
			{ id: 'o-1', total: 1850 },
			{ id: 'o 2', total: 990 },
		]);
		expect(server.requests.map((r) => r.path)).toEqual(['/orders/o-1', '/api/orders/o%202']);
	});

	test('unknown order: NodeApiError 404 that points at the order ID, with the vendor message', async () => {
		const error = await expectRejection(
			runPos({ server, provider: 'stripe', parameters: orderGet('pi_missing'), workflowId: newWorkflowId() }),
		);
		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as unknown as NodeApiError).httpCode).toBe('404');
		expect(error.message).toMatch(/HTTP 404\): check the order ID/);
		expect(String(error.description)).toMatch(/No such payment_intent: 'pi_missing'/);
		expect(server.requests).toHaveLength(1); // 4xx are not retried

		const square = await expectRejection(runPos({ server, provider: 'square', parameters: orderGet('missing-1'), workflowId: newWorkflowId() }));
		expect(String(square.description)).toMatch(/NOT_FOUND: Order `missing-1` not found/);
	});

	test('item index of a failing item, and Continue On Fail', async () => {
		const error = await expectRejection(
			runPos({
				server,
				provider: 'square',
				parameters: orderGet(''),
				itemParameters: [{ orderId: 'A1' }, { orderId: 'missing-2' }],
				inputItems: [{ json: {} }, { json: {} }],
				workflowId: newWorkflowId(),
			}),
		);
		expect((error as unknown as NodeApiError).context.itemIndex).toBe(1);

		const { output } = await runPos({
			server,
			provider: 'square',
			parameters: orderGet(''),
			itemParameters: [{ orderId: 'missing-3' }, { orderId: 'A2' }],
			inputItems: [{ json: {} }, { json: {} }],
			workflowId: newWorkflowId(),
			continueOnFail: true,
		});
		expect(output[0]).toEqual({ json: { error: expect.stringMatching(/HTTP 404/), description: expect.any(String) }, pairedItem: { item: 0 } });
		expect(output[1]).toMatchObject({ json: { id: 'A2' }, pairedItem: { item: 1 } });
	});

	test('401 and providers without an orders API', async () => {
		const bad = await expectRejection(
			runPos({ server, provider: 'square', parameters: orderGet('A1'), workflowId: newWorkflowId(), credentials: credentialFor(server, 'square', { apiToken: 'nope' }) }),
		);
		expect(bad).toBeInstanceOf(NodeApiError);
		expect(bad.message).toMatch(/refused the API token \(HTTP 401\)/);
		expect(String(bad.description)).toMatch(/UNAUTHORIZED: This request could not be authorized/);

		const shopify = await expectRejection(runPos({ server, provider: 'shopify', parameters: orderGet('1001'), workflowId: newWorkflowId() }));
		expect(shopify).toBeInstanceOf(NodeOperationError);
		expect(shopify.message).toMatch(/Shopify has no events or orders API this node can read, so Order > Get is not available/);

		const empty = await expectRejection(runPos({ server, provider: 'stripe', parameters: orderGet(' '), workflowId: newWorkflowId() }));
		expect(empty).toBeInstanceOf(NodeOperationError);
		expect(empty.message).toMatch(/Order ID is empty/);
	});
});
