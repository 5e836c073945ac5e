export * from './event-store.port';
export { openEventStore } from './open-event-store';
export { pagesBetween } from './read-range';
