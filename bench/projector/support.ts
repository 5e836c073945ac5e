/** What the projector benchmarks share: progress notes on stderr and the SQLite read models. */
import {
  openReadModels,
  type SqliteReadModelConnection,
} from '../../libs/platform/infrastructure/read-model-connection';

export const note = (message: string) => process.stderr.write(`  [projector bench] ${message}\n`);
export const n = (x: number) => x.toLocaleString('en-US');
export const elapsed = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

export async function sqliteReadModels(path: string): Promise<SqliteReadModelConnection> {
  const conn = await openReadModels(`sqlite:${path}`);
  if (conn.kind !== 'sqlite') throw new Error('expected the SQLite read models');
  return conn;
}
