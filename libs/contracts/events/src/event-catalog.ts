// The real catalog: every Espalier event, once. Add a new event to its family file and list.
import { createCatalog, type EncodedEvent } from './catalog';
import { commandEvents } from './command.events';
import type { EnvelopeOf } from './define-event';
import { enrollmentActivityEvents } from './enrollment-activity.events';
import { enrollmentEvents } from './enrollment.events';
import type { IncomingMessage } from './event-decoder';
import { pushEvents } from './push.events';

export const eventDefinitions = [...enrollmentEvents, ...enrollmentActivityEvents, ...commandEvents, ...pushEvents] as const;

export const eventCatalog = createCatalog(eventDefinitions);

type Definitions = (typeof eventDefinitions)[number];

/** Every current-version Espalier event, discriminated by `type`. */
export type EspalierEvent = EnvelopeOf<Definitions>;
export type EspalierEventType = EspalierEvent['type'];
export type EventOf<T extends EspalierEventType> = Extract<EspalierEvent, { type: T }>;
export type EventData<T extends EspalierEventType> = EventOf<T>['data'];

export const createEvent: (typeof eventCatalog)['create'] = (type, data, meta) => eventCatalog.create(type, data, meta);
export const encodeEvent = (event: EspalierEvent): EncodedEvent => eventCatalog.encode(event);
export const decodeEvent = (message: IncomingMessage): EspalierEvent => eventCatalog.decode(message);
