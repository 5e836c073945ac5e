// A process run by runServices whose one service never finishes closing: for the signal spec.
import { runServices } from '../run-services';

void runServices([
  async () => ({ name: 'hanging', url: '-', close: () => new Promise<void>(() => undefined) }),
]).then(() => process.stdout.write('listening for signals\n')); // its handlers are in place
