import type { IDataObject } from 'n8n-workflow';

import type { EventsApiAdapter } from './events';
import { malformedPage } from './events';
import { posApiRequest } from './request';

const DAY_MS = 86_400_000;

/**
 * Stripe: GET /v1/events?created[gte]&created[lte]&limit&starting_after. Stripe lists newest
 * first and says has_more; the next page starts after the last (oldest) id of this one.
 * Events are kept 30 days. Each listed event is exactly the body Stripe posts to webhooks.
 */
export const stripeEvents: EventsApiAdapter = {
	historyMs: 30 * DAY_MS,
	maxPageSize: 100,

	async fetchPage(ctx, window, cursor, settings) {
		const qs: IDataObject = {
			'created[gte]': Math.floor(window.startMs / 1000),
			'created[lte]': Math.floor(window.endMs / 1000),
			limit: settings.pageSize,
		};
		if (cursor !== undefined) qs.starting_after = cursor;
		const body = (await posApiRequest.call(ctx, { method: 'GET', path: '/v1/events', qs }, settings.call)) as IDataObject;
		if (!body || typeof body !== 'object' || !Array.isArray(body.data)) {
			throw malformedPage(ctx, settings, 'no "data" list in the answer', body);
		}
		const data = body.data as IDataObject[];
		const events = data
			.filter((e) => e !== null && typeof e === 'object')
			.map((e) => ({
				payload: e,
				id: typeof e.id === 'string' ? e.id : undefined,
				type: typeof e.type === 'string' ? e.type : undefined,
				occurredAt: typeof e.created === 'number' ? new Date(e.created * 1000).toISOString() : undefined,
			}));
		if (body.has_more !== true) return { events };
		const last = data[data.length - 1];
		if (!last || typeof last.id !== 'string') {
			throw malformedPage(ctx, settings, 'has_more is true but the page has no last event id to continue from', body);
		}
		return { events, cursor: last.id };
	},
};
