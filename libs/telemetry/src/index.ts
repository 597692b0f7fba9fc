export * from './events';
export { newEventId, isEventId } from './event-id';
export * from './redaction';
