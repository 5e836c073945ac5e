export * from './cloud-event';
export * from './integration-events';
export * from './invitation-view';
