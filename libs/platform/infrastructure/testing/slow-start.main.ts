// A process run by runServices whose second service starts only once a line comes on stdin,
// so that a signal can be sent while a starter is in progress: for the signal spec. With
// SLOW_CLOSE set, that service's close also waits for a line.
import { once } from 'node:events';
import { runServices, type ServiceStarter } from '../run-services';

const say = (line: string) => process.stdout.write(`${line}\n`);
const nextLine = () => once(process.stdin, 'data');

const service =
  (
    name: string,
    ready = async (): Promise<unknown> => undefined,
    slowClose = false,
  ): ServiceStarter =>
  async () => {
    say(`${name} starting`);
    await ready();
    const close = async () => {
      if (slowClose) {
        say(`${name} closing`);
        await nextLine();
      }
      say(`${name} closed`);
    };
    return { name, url: '-', close };
  };

void runServices(
  [service('first'), service('second', nextLine, process.env.SLOW_CLOSE === '1'), service('third')],
  { startWaitMs: Number(process.env.START_WAIT_MS ?? 60_000) },
).then(() => say('all started'));
