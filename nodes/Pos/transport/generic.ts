import type { IDataObject } from 'n8n-workflow';

import { isoTime, pathValue, text } from '../../shared/providers/fields';
import type { EventsApiAdapter, ListedEvent } from './events';
import { malformedPage } from './events';
import { posApiRequest } from './request';

/**
 * A plain JSON events API, for Standard Webhooks and Custom providers:
 * GET {baseUrl}{path}?since=<ISO>&until=<ISO>&cursor=<c>&limit=<n>
 *   -> { events: [ { id, type, occurred_at, payload } ], next_cursor }
 * The path and every field name (dotted paths allowed) come from the node's API Options. A
 * record without the payload field is taken as the payload itself.
 */
export const genericEvents: EventsApiAdapter = {
	historyMs: undefined,
	maxPageSize: 1000,

	async fetchPage(ctx, window, cursor, settings) {
		const g = settings.generic;
		const qs: IDataObject = {
			since: new Date(window.startMs).toISOString(),
			until: new Date(window.endMs).toISOString(),
			limit: settings.pageSize,
		};
		if (cursor !== undefined) qs.cursor = cursor;
		const path = g.eventsPath.startsWith('/') ? g.eventsPath : `/${g.eventsPath}`;
		const body = await posApiRequest.call(ctx, { method: 'GET', path, qs }, settings.call);
		const list = g.eventsField === '' ? body : pathValue(body, g.eventsField);
		if (!Array.isArray(list)) {
			throw malformedPage(ctx, settings, `no list at "${g.eventsField || '(the whole answer)'}"`, body);
		}
		const events: ListedEvent[] = [];
		for (const record of list) {
			if (record === null || typeof record !== 'object' || Array.isArray(record)) continue;
			const payload = g.payloadField === '' ? record : pathValue(record, g.payloadField);
			events.push({
				payload: (payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? payload : record) as IDataObject,
				id: text(pathValue(record, g.idField)),
				type: text(pathValue(record, g.typeField)),
				occurredAt: isoTime(pathValue(record, g.timeField)),
			});
		}
		const next = g.nextCursorField === '' ? undefined : text(pathValue(body, g.nextCursorField));
		return { events, cursor: next };
	},
};
