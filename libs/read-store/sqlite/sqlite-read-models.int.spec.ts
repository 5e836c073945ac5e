import Database from 'better-sqlite3';
import { readModelsContract } from '../testing/read-models.contract';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteReadModels } from './sqlite-read-models';
import { openReadModelDatabase } from './sqlite-read-model-db';

describe('SqliteReadModels', () => {
  readModelsContract(async () => {
    const db = new Database(':memory:');
    return { readModels: new SqliteReadModels(db), close: async () => void db.close() };
  });
});

describe('SqliteReadModels committing a rebuild on its own thread', () => {
  readModelsContract(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'read-models-'));
    const db = openReadModelDatabase(join(dir, 'read-models.sqlite'));
    const readModels = new SqliteReadModels(db, { commitThread: true });
    return {
      readModels,
      close: async () => {
        await readModels.close();
        db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});
