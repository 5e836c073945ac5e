// Test thread for thread-calls.int.spec: echoes each call with how many messages it has received.
import { parentPort, workerData } from 'node:worker_threads';
import { serveCalls } from './thread-calls';

// As a thread that cannot open what it serves would: it dies before answering anything.
if ((workerData as { dieAtStart?: boolean } | undefined)?.dieAtStart) process.exit(4);

let messages = 0;
parentPort!.on('message', () => (messages += 1));

serveCalls(
  async (body: { n: number; fail?: boolean; slowMs?: number; die?: boolean }) => {
    if (body.die) process.exit(3); // ends this thread, as a crash would
    if (body.slowMs) await new Promise((r) => setTimeout(r, body.slowMs));
    if (body.fail) throw new RangeError(`call ${body.n} failed`);
    return { n: body.n, messages };
  },
  () => undefined,
);
