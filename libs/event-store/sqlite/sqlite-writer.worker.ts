// The event store's writer thread: commits groups of appends so the fsync
// does not block the main thread, which keeps serving and gathers the next group.
import { workerData } from 'node:worker_threads';
import { serveCalls } from '../../platform/workers/thread-calls';
import { groupCommit, openWriteConnection, type AppendRequest } from './sqlite-group-commit';

const { path, synchronous } = workerData as { path: string; synchronous: 'full' | 'normal' };
const db = openWriteConnection(path, synchronous);
const commit = groupCommit(db);

serveCalls(
  (requests: AppendRequest[]) => ({ outcomes: commit(requests) }),
  () => db.close(),
);
