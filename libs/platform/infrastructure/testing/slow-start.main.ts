// A process run by runServices whose second service starts only once a line comes on stdin,
// so that a signal can be sent while a starter is in progress: for the signal spec.
import { once } from 'node:events';
import { runServices, type ServiceStarter } from '../run-services';

const say = (line: string) => process.stdout.write(`${line}\n`);

const service =
  (name: string, ready: () => Promise<unknown> = async () => undefined): ServiceStarter =>
  async () => {
    say(`${name} starting`);
    await ready();
    return { name, url: '-', close: async () => void say(`${name} closed`) };
  };

void runServices(
  [service('first'), service('second', () => once(process.stdin, 'data')), service('third')],
  { startWaitMs: Number(process.env.START_WAIT_MS ?? 60_000) },
).then(() => say('all started'));
