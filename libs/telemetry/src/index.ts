export * from './events';
export { derivedEventId, newEventId, isEventId } from './event-id';
export * from './redaction';
