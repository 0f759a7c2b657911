import type { EventsApiAdapter, EventsApiStyle } from './events';
import { genericEvents } from './generic';
import { squareEvents } from './square';
import { stripeEvents } from './stripe';

export * from './events';
export * from './request';
export { SQUARE_VERSION } from './square';

/** One adapter per events API style; providers pick theirs with provider.eventsApi. */
export const EVENTS_APIS: Readonly<Record<EventsApiStyle, EventsApiAdapter>> = {
	stripe: stripeEvents,
	square: squareEvents,
	generic: genericEvents,
};
export { getOrder, InvalidOrderIdError, ORDER_APIS, orderIdProblem, orderIdSegment } from './orders';
