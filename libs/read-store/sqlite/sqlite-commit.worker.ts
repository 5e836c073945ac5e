// The read-model commit thread: writes a rebuild's batches on its own connection
// while the main thread projects the next one.
import { workerData } from 'node:worker_threads';
import { serveCalls } from '../../platform/workers/thread-calls';
import { SqliteReadModels } from './sqlite-read-models';
import type { EncodedCommit } from './sqlite-read-models.rows';
import { openReadModelDatabase } from './sqlite-read-model-db';

const db = openReadModelDatabase((workerData as { path: string }).path);
const readModels = new SqliteReadModels(db);

serveCalls(
  (commit: EncodedCommit) => ({ version: readModels.commitEncoded(commit) }),
  () => db.close(),
);
