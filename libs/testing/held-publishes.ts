import type { Broker } from '../messaging';
import type { RunningService } from '../platform/infrastructure/run-services';
import { waitFor } from './wait-for';

/**
 * Holds every publish on `broker` until `release`: a forwarder stopping with a batch in hand
 * waits for it, as it does for a broker that is down until the publish times out.
 */
export function holdPublishes(broker: Broker) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const publish = jest.spyOn(broker, 'publish').mockImplementation(() => released);
  return {
    /** Whether a publish is waiting. */
    held: () => publish.mock.calls.length > 0,
    /** Lets every publish, held and to come, through, as broker calls again. */
    release: () => {
      release();
      publish.mockRestore();
    },
  };
}

/**
 * Closes `service` once its forwarder's publish is held, and fails unless requests are refused
 * (within 5 s) while that publish is still waiting; then lets it through and waits for the close.
 */
export async function closeWithPublishHeld(
  service: RunningService,
  publishes: ReturnType<typeof holdPublishes>,
): Promise<void> {
  await waitFor(publishes.held, { message: 'the announcement to be held' });
  const closing = service.close();
  try {
    await waitFor(async () => !(await servesRequests(service.url)), {
      timeoutMs: 5_000,
      message: 'requests to be refused while the forwarder stops',
    });
  } finally {
    publishes.release();
    await closing;
  }
}

/** Whether `url` still answers a health check with 200. */
const servesRequests = (url: string) =>
  fetch(`${url}/health`).then(
    (res) => res.ok,
    () => false,
  );
