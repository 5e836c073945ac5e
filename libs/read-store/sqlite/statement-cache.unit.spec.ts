import type Database from 'better-sqlite3';
import { statementCache } from './sqlite-read-models.schema';

describe('statementCache', () => {
  /** A connection that counts what it prepares. */
  const counting = () => {
    const prepared: string[] = [];
    const db = {
      prepare: (text: string) => {
        prepared.push(text);
        return { text } as unknown as Database.Statement;
      },
    };
    return { db, prepared };
  };

  describe('when a text comes again', () => {
    it('gives the statement prepared the first time', () => {
      const { db, prepared } = counting();
      const sql = statementCache(db);
      expect(sql('SELECT 1')).toBe(sql('SELECT 1'));
      expect(prepared).toEqual(['SELECT 1']);
    });
  });

  describe('when rebuilds have brought more texts than it keeps', () => {
    it('starts again rather than growing, preparing what is asked for next', () => {
      const { db, prepared } = counting();
      const sql = statementCache(db, 2);
      sql('v1');
      sql('v2');
      sql('v3'); // full: starts again with v3 alone
      sql('v3');
      sql('v1');
      expect(prepared).toEqual(['v1', 'v2', 'v3', 'v1']);
    });
  });
});
