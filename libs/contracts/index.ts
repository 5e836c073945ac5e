export * from './cloud-event';
export * from './integration-events';
