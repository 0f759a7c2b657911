import type { IDataObject } from 'n8n-workflow';

import type { EventsApiAdapter } from './events';
import { malformedPage } from './events';
import { posApiRequest } from './request';

const DAY_MS = 86_400_000;

/** The Square API version the node was written against (SearchEvents exists since 2022-12-14). */
export const SQUARE_VERSION = '2025-10-16';

/**
 * Square: POST /v2/events (SearchEvents) with a created_at range, oldest first, paged by
 * cursor. Square keeps events 28 days. Each listed event is the body Square posts to webhooks.
 */
export const squareEvents: EventsApiAdapter = {
	historyMs: 28 * DAY_MS,
	maxPageSize: 100,

	async fetchPage(ctx, window, cursor, settings) {
		const request: IDataObject = {
			limit: settings.pageSize,
			query: {
				filter: {
					created_at: {
						start_at: new Date(window.startMs).toISOString(),
						end_at: new Date(window.endMs).toISOString(),
					},
				},
				sort: { field: 'DEFAULT', order: 'ASC' },
			},
		};
		if (cursor !== undefined) request.cursor = cursor;
		const body = (await posApiRequest.call(
			ctx,
			{ method: 'POST', path: '/v2/events', body: request, headers: { 'Square-Version': SQUARE_VERSION } },
			settings.call,
		)) as IDataObject;
		if (!body || typeof body !== 'object' || Array.isArray(body)) {
			throw malformedPage(ctx, settings, 'the answer is not a JSON object', body);
		}
		if (body.events !== undefined && !Array.isArray(body.events)) {
			throw malformedPage(ctx, settings, '"events" is not a list', body);
		}
		const events = ((body.events as IDataObject[] | undefined) ?? [])
			.filter((e) => e !== null && typeof e === 'object')
			.map((e) => ({
				payload: e,
				id: typeof e.event_id === 'string' ? e.event_id : undefined,
				type: typeof e.type === 'string' ? e.type : undefined,
				occurredAt: typeof e.created_at === 'string' ? e.created_at : undefined,
			}));
		const next = typeof body.cursor === 'string' && body.cursor !== '' ? body.cursor : undefined;
		return { events, cursor: next };
	},
};
