import Database from 'better-sqlite3';
import { coordinationContract } from '../testing/coordination.contract';
import { SqliteCoordination } from './sqlite-coordination';

describe('SqliteCoordination', () => {
  coordinationContract(async () => {
    const db = new Database(':memory:');
    return { store: new SqliteCoordination(db), close: async () => void db.close() };
  });
});
