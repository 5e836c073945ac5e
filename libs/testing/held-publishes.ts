import type { Broker } from '../messaging';

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

/** Whether `url` still answers a health check with 200. */
export const servesRequests = (url: string) =>
  fetch(`${url}/health`).then(
    (res) => res.ok,
    () => false,
  );
