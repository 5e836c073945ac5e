import Database from 'better-sqlite3';
import { readModelsContract } from '../testing/read-models.contract';
import { SqliteReadModels } from './sqlite-read-models';

describe('SqliteReadModels', () => {
  readModelsContract(async () => {
    const db = new Database(':memory:');
    return { readModels: new SqliteReadModels(db), close: async () => void db.close() };
  });
});
