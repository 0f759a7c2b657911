import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { PosProvider } from '../../shared/providers/types';
import type { PosApiCallOptions } from './request';

export type EventsApiStyle = NonNullable<PosProvider['eventsApi']>;

/** One event as a POS events API lists it. */
export interface ListedEvent {
	/** The event as the POS posts it to the webhook (what the trigger puts in `data`). */
	payload: IDataObject;
	/** What the listing itself says; provider.identify() on the payload has the last word. */
	id?: string;
	type?: string;
	/** ISO 8601. */
	occurredAt?: string;
}

/** [startMs, endMs]: events created in this span are listed (both ends included where the API allows). */
export interface EventsWindow {
	startMs: number;
	endMs: number;
}

/** Where a generic events API puts things (API Options in the node). Paths may be dotted. */
export interface GenericApiSettings {
	eventsPath: string;
	eventsField: string;
	nextCursorField: string;
	idField: string;
	typeField: string;
	timeField: string;
	payloadField: string;
}

export const DEFAULT_GENERIC_SETTINGS: GenericApiSettings = {
	eventsPath: '/events',
	eventsField: 'events',
	nextCursorField: 'next_cursor',
	idField: 'id',
	typeField: 'type',
	timeField: 'occurred_at',
	payloadField: 'payload',
};

/** Default bound on the pages of one listing (200,000 events at 100 per page). */
export const DEFAULT_MAX_PAGES = 2000;

export interface ListSettings {
	/** Events asked for per page (each adapter caps it at what its API accepts). */
	pageSize: number;
	/**
	 * At most this many pages per listing: an API that keeps sending new cursors (a paging bug,
	 * a hostile base URL) must not keep the node running for ever. Default DEFAULT_MAX_PAGES.
	 */
	maxPages?: number;
	generic: GenericApiSettings;
	call: PosApiCallOptions;
}

export interface EventsPage {
	events: ListedEvent[];
	/** Where the next page starts; undefined on the last page. */
	cursor?: string;
}

/** One per events API style. A provider only declares its style (provider.eventsApi). */
export interface EventsApiAdapter {
	/** How far back the API keeps events; undefined when unknown (no cap). */
	readonly historyMs?: number;
	readonly maxPageSize: number;
	fetchPage(
		ctx: IExecuteFunctions,
		window: EventsWindow,
		cursor: string | undefined,
		settings: ListSettings,
	): Promise<EventsPage>;
}

/**
 * Walks every page of the window, oldest request first, handing each page to onPage (which may
 * return false to stop early, e.g. once a limit is reached). Throws (NodeApiError) when a page
 * fails after retries or when the API's paging cannot be trusted (a cursor seen twice, or more
 * pages than Max Pages), so a caller never mistakes a partial listing for a complete one.
 * Returns the number of pages read.
 */
export async function listEvents(
	ctx: IExecuteFunctions,
	adapter: EventsApiAdapter,
	window: EventsWindow,
	settings: ListSettings,
	onPage: (events: ListedEvent[]) => boolean | void,
): Promise<number> {
	const pageSize = Math.max(1, Math.min(adapter.maxPageSize, Math.floor(settings.pageSize)));
	const capped = { ...settings, pageSize };
	const maxPages = settings.maxPages !== undefined && settings.maxPages >= 1 ? Math.floor(settings.maxPages) : DEFAULT_MAX_PAGES;
	const seenCursors = new Set<string>();
	let cursor: string | undefined;
	let pages = 0;
	for (;;) {
		const page = await adapter.fetchPage(ctx, window, cursor, capped);
		pages++;
		if (onPage(page.events) === false) return pages;
		if (page.cursor === undefined || page.cursor === '') return pages;
		if (pages >= maxPages) {
			throw new NodeApiError(
				ctx.getNode(),
				{ pages },
				{
					message: `The POS API was still sending more pages after ${pages} pages (Max Pages), so the listing was stopped`,
					description:
						'Either the API pages without end (check the Next Cursor Field in API Options) or the time span holds more events than Max Pages x Page Size: raise Max Pages or Page Size in API Options, or list a shorter span.',
					itemIndex: settings.call.itemIndex,
				},
			);
		}
		if (seenCursors.has(page.cursor)) {
			throw new NodeApiError(
				ctx.getNode(),
				{ cursor: page.cursor },
				{
					message: 'The POS API returned the same page cursor twice: its paging is broken, so the listing was stopped',
					description: `Cursor "${page.cursor}" came back after ${pages} pages. Check the Next Cursor Field in API Options.`,
					itemIndex: settings.call.itemIndex,
				},
			);
		}
		seenCursors.add(page.cursor);
		cursor = page.cursor;
	}
}

/** Thrown when a page does not have the shape the adapter expects. */
export function malformedPage(ctx: IExecuteFunctions, settings: ListSettings, what: string, body: unknown): NodeApiError {
	const sample = JSON.stringify(body ?? null).slice(0, 300);
	return new NodeApiError(
		ctx.getNode(),
		{ body: sample },
		{
			message: `The POS API answered, but not with a list of events: ${what}`,
			description: `Check the API Base URL in the POS API credential and, for Standard Webhooks or Custom, the field names in API Options. The answer began with: ${sample}`,
			itemIndex: settings.call.itemIndex,
		},
	);
}
