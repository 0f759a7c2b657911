import type { IDataObject } from 'n8n-workflow';

import type { EventIdentity } from './providers/types';

/**
 * The item every part of the package emits for one POS event, whether it came by webhook or by
 * reconciliation, so a workflow handles both the same way.
 */
export interface PosEventItem extends IDataObject {
	id: string;
	type: string | null;
	occurredAt: string | null;
	provider: string;
	locationId?: string;
	data: IDataObject;
	receivedAt: string;
	recovered?: boolean;
	headers?: IDataObject;
}

export function toEventItem(
	identity: EventIdentity & { id: string },
	provider: string,
	data: IDataObject,
	receivedAt: string,
): PosEventItem {
	const item: PosEventItem = {
		id: identity.id,
		type: identity.type ?? null,
		occurredAt: identity.occurredAt ?? null,
		provider,
		data,
		receivedAt,
	};
	if (identity.locationId !== undefined) item.locationId = identity.locationId;
	return item;
}

/** When the event happened, in ms; NaN when the POS did not say. */
export function occurredMsOf(item: Pick<PosEventItem, 'occurredAt'>): number {
	return item.occurredAt ? Date.parse(item.occurredAt) : Number.NaN;
}

const filterCache = new Map<string, (type: string | null) => boolean>();

/**
 * Compiles the Event Types parameter: "*" (or empty) for all, else a comma-separated list of
 * types, each may end with "*" to match a prefix ("order.*"). Case-insensitive.
 */
export function eventFilter(spec: string): (type: string | null) => boolean {
	const cached = filterCache.get(spec);
	if (cached) return cached;
	const entries = spec
		.split(',')
		.map((s) => s.trim().toLowerCase())
		.filter((s) => s !== '');
	let fn: (type: string | null) => boolean;
	if (entries.length === 0 || entries.includes('*')) fn = () => true;
	else {
		const exact = new Set(entries.filter((e) => !e.endsWith('*')));
		const prefixes = entries.filter((e) => e.endsWith('*')).map((e) => e.slice(0, -1));
		fn = (type) => {
			if (type === null) return false;
			const t = type.toLowerCase();
			return exact.has(t) || prefixes.some((p) => t.startsWith(p));
		};
	}
	if (filterCache.size > 100) filterCache.clear();
	filterCache.set(spec, fn);
	return fn;
}

/**
 * Removes fields from the payload in place, for workflows that should not carry personal data.
 * Paths are dot-separated; "*" stands for every key or array element at that level
 * ("customer.email", "line_items.*.note").
 */
export function removeFields(data: unknown, paths: readonly string[]): void {
	for (const path of paths) removePath(data, path.split('.').filter((p) => p !== ''));
}

function removePath(node: unknown, segments: string[]): void {
	if (segments.length === 0 || node === null || typeof node !== 'object') return;
	const [head, ...rest] = segments;
	const container = node as Record<string, unknown>;
	const keys = head === '*' ? Object.keys(container) : [head];
	for (const key of keys) {
		if (!Object.prototype.hasOwnProperty.call(container, key)) continue;
		if (rest.length === 0) delete container[key];
		else removePath(container[key], rest);
	}
}

export function parseFieldList(spec: string | undefined): string[] {
	return (spec ?? '')
		.split(',')
		.map((s) => s.trim())
		.filter((s) => s !== '');
}
