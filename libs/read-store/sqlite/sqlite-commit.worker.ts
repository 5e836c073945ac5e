// The read-model commit thread: writes a rebuild's batches on its own connection
// while the main thread projects the next one.
import { parentPort, workerData } from 'node:worker_threads';
import type { ProjectionCommit } from '../read-models.port';
import { toThreadError } from './sqlite-commit-thread';
import { SqliteReadModels } from './sqlite-read-models';
import { openReadModelDatabase } from './sqlite-read-model-db';

const db = openReadModelDatabase((workerData as { path: string }).path);
const readModels = new SqliteReadModels(db);

parentPort!.on('message', (message: { id: number; commit: ProjectionCommit } | 'close') => {
  if (message === 'close') {
    db.close();
    parentPort!.close();
    return;
  }
  try {
    parentPort!.postMessage({ id: message.id, version: readModels.commitNow(message.commit) });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: toThreadError(error) });
  }
});
