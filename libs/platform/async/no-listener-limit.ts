import { setMaxListeners } from 'node:events';

/**
 * A controller whose signal takes any number of listeners: one per waiting message or copy, as
 * many as the prefetches, where more than Node's default ten printed a leak warning.
 */
export function noListenerLimit(controller = new AbortController()): AbortController {
  setMaxListeners(0, controller.signal);
  return controller;
}
