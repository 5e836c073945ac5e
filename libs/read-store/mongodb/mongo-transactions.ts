import type { ClientSession, Document, MongoClient, TransactionOptions } from 'mongodb';

/**
 * `on`: multi-document transactions (replica set or sharded cluster);
 * `off`: each write stands alone; `auto`: ask the server once.
 */
export type TransactionMode = 'on' | 'off' | 'auto';

/**
 * The client's writes: acknowledged by a majority, or failed after 10 s (`clientOptions`).
 * A transaction's commit has that bound from the driver already, which then retries the
 * commit for up to 2 minutes (`withTransaction`).
 */
export const MAJORITY_WRITES = { w: 'majority', wtimeoutMS: 10_000 } as const;

const OPTIONS: TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: { w: 'majority' },
  readPreference: 'primary',
};

/** Runs work in one transaction when the deployment has them, or as plain writes otherwise. */
export class MongoTransactions {
  private supported?: Promise<boolean>;

  constructor(
    private readonly client: MongoClient,
    private readonly mode: TransactionMode = 'auto',
  ) {}

  enabled(): Promise<boolean> {
    if (this.mode !== 'auto') return Promise.resolve(this.mode === 'on');
    this.supported ??= serverHasTransactions(this.client).catch((error: unknown) => {
      this.supported = undefined; // ask again next time
      throw error;
    });
    return this.supported;
  }

  /** `work` may run more than once (transient conflicts are retried) and must not swallow errors. */
  async run<T>(work: (session?: ClientSession) => Promise<T>): Promise<T> {
    if (!(await this.enabled())) return work(undefined);
    return this.client.withSession((session) =>
      session.withTransaction(() => work(session), OPTIONS),
    );
  }
}

/** A replica-set member reports `setName`; a mongos reports `msg: 'isdbgrid'`. */
async function serverHasTransactions(client: MongoClient): Promise<boolean> {
  const admin = client.db('admin');
  const hello: Document = await admin
    .command({ hello: 1 })
    .catch(() => admin.command({ isMaster: 1 }));
  return typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
}
