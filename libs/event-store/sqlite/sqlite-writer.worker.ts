// The event store's writer thread: commits groups of appends so the fsync
// does not block the main thread, which keeps serving and gathers the next group.
import { parentPort, workerData } from 'node:worker_threads';
import { groupCommit, openWriteConnection, type AppendRequest } from './sqlite-group-commit';

const { path, synchronous } = workerData as { path: string; synchronous: 'full' | 'normal' };
const db = openWriteConnection(path, synchronous);
const commit = groupCommit(db);

parentPort!.on('message', (message: { id: number; requests: AppendRequest[] } | 'close') => {
  if (message === 'close') {
    db.close();
    parentPort!.close();
    return;
  }
  parentPort!.postMessage({ id: message.id, outcomes: commit(message.requests) });
});
