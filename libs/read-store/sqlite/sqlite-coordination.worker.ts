// The coordination thread: checkpoint and lease writes on a connection of its own (see
// SqliteCoordinationThread).
import { workerData } from 'node:worker_threads';
import { serveCalls } from '../../platform/workers/thread-calls';
import { SqliteCoordination } from './sqlite-coordination';
import type { CoordinationCall } from './sqlite-coordination-thread';
import { openReadModelDatabase } from './sqlite-read-model-db';

const db = openReadModelDatabase((workerData as { path: string }).path);
const coordination = new SqliteCoordination(db);

async function run(call: CoordinationCall): Promise<unknown> {
  switch (call.op) {
    case 'load':
      return coordination.load(call.name);
    case 'save':
      return coordination.save(call.name, call.position, call.expectedVersion);
    case 'tryAcquire':
      return coordination.tryAcquire(call.name, call.owner, call.ttlMs);
    case 'release':
      return coordination.release(call.name, call.owner);
  }
}

serveCalls(
  async (call: CoordinationCall) => ({ value: await run(call) }),
  () => db.close(),
);
