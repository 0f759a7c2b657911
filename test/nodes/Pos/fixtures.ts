/**
 * Vendor-shaped events and objects, modelled on the examples in Stripe's and Square's API
 * references (and on what their SDKs parse: see vendorSdk.test.ts), plus the generic events API.
 */
export interface FixtureEvent {
	id: string;
	type: string;
	createdMs: number;
	locationId?: string;
	/** Anything extra for the payload's object. */
	extra?: Record<string, unknown>;
}

export function stripeEvent(e: FixtureEvent): Record<string, unknown> {
	const created = Math.floor(e.createdMs / 1000);
	return {
		id: e.id,
		object: 'event',
		api_version: '2024-06-20',
		created,
		data: {
			object: {
				id: `pi_${e.id.slice(4)}`,
				object: 'payment_intent',
				amount: 2350,
				amount_received: 2350,
				currency: 'usd',
				status: 'succeeded',
				created,
				livemode: false,
				metadata: e.locationId ? { location_id: e.locationId } : {},
				payment_method_types: ['card_present'],
				...e.extra,
			},
		},
		livemode: false,
		pending_webhooks: 1,
		request: { id: `req_${e.id.slice(4, 16)}`, idempotency_key: null },
		type: e.type,
	};
}

export function squareEvent(e: FixtureEvent): Record<string, unknown> {
	const orderId = `ord_${e.id.slice(-12)}`;
	return {
		merchant_id: 'MLX0JD3DKQ6RB',
		location_id: e.locationId ?? 'L1VFZYJJ3GH1N',
		type: e.type,
		event_id: e.id,
		created_at: new Date(e.createdMs).toISOString(),
		data: {
			type: 'order_created',
			id: orderId,
			object: {
				order_created: {
					created_at: new Date(e.createdMs).toISOString(),
					location_id: e.locationId ?? 'L1VFZYJJ3GH1N',
					order_id: orderId,
					state: 'OPEN',
					version: 1,
					...e.extra,
				},
			},
		},
	};
}

/** The webhook body a Standard Webhooks POS would post (the id travels in the webhook-id header). */
export function standardPayload(e: FixtureEvent): Record<string, unknown> {
	return {
		type: e.type,
		timestamp: new Date(e.createdMs).toISOString(),
		data: { order_id: `o_${e.id}`, total: 1850, currency: 'EUR', location_id: e.locationId ?? 'store-1', ...e.extra },
	};
}

export function genericRecord(e: FixtureEvent): Record<string, unknown> {
	return { id: e.id, type: e.type, occurred_at: new Date(e.createdMs).toISOString(), payload: standardPayload(e) };
}

export function stripePaymentIntent(id: string): Record<string, unknown> {
	return {
		id,
		object: 'payment_intent',
		amount: 4200,
		amount_received: 4200,
		currency: 'usd',
		status: 'succeeded',
		created: 1717000000,
		livemode: false,
		metadata: { table: '12' },
		payment_method_types: ['card_present'],
	};
}

export function squareOrder(id: string): Record<string, unknown> {
	return {
		id,
		location_id: 'L1VFZYJJ3GH1N',
		line_items: [
			{
				uid: 'li-1',
				name: 'Margherita',
				quantity: '2',
				base_price_money: { amount: 1100, currency: 'USD' },
				total_money: { amount: 2200, currency: 'USD' },
			},
		],
		state: 'COMPLETED',
		version: 3,
		created_at: '2025-06-01T12:00:00.000Z',
		updated_at: '2025-06-01T12:20:00.000Z',
		total_money: { amount: 2200, currency: 'USD' },
	};
}

let counter = 0;

/** n events spread evenly over [fromMs, toMs), with ids like the vendor's. */
export function makeEvents(
	style: 'stripe' | 'square' | 'generic',
	n: number,
	fromMs: number,
	toMs: number,
	type: (i: number) => string = (i) => (i % 3 === 0 ? 'payment_intent.succeeded' : 'order.created'),
): FixtureEvent[] {
	const out: FixtureEvent[] = [];
	const run = ++counter;
	const step = n > 0 ? (toMs - fromMs) / n : 0;
	for (let i = 0; i < n; i++) {
		const suffix = `${run.toString(36)}x${i.toString(36).padStart(6, '0')}`;
		const id =
			style === 'stripe'
				? `evt_1Pq${suffix}`
				: style === 'square'
					? `6a8f5f28-54a1-4eb0-${suffix.padStart(12, '0').slice(-12)}`
					: `msg_${suffix}`;
		out.push({ id, type: type(i), createdMs: Math.floor(fromMs + i * step) });
	}
	return out;
}
