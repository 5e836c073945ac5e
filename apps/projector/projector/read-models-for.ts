import type { ReadModelConnection } from '../../../libs/platform/infrastructure/read-model-connection';
import type { ReadModels } from '../../../libs/read-store/read-models.port';
import { SqliteReadModels } from '../../../libs/read-store/sqlite/sqlite-read-models';

/** The read-model adapter on the configured connection: SQLite here, MongoDB from its connection. */
export function readModelsFor(connection: ReadModelConnection): ReadModels {
  if (connection.kind === 'sqlite') return new SqliteReadModels(connection.db);
  const mongo = (connection as { readModels?: ReadModels }).readModels;
  if (!mongo) throw new Error('READ_MODEL_URL: this MongoDB connection offers no read models');
  return mongo;
}
