import type {
  InvitationRefRow,
  InvitationRow,
  Positioned,
  ProjectionCommit,
  ProjectionStore,
  ProjectionTarget,
  RelationshipKey,
  RelationshipRow,
} from '../../../libs/read-store/read-models.port';

/** The read-model store failed; the batch is abandoned (and retried from the checkpoint), never parked. */
export class ReadModelUnavailableError extends Error {
  constructor(override readonly cause: unknown) {
    super(`read models unavailable: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'ReadModelUnavailableError';
  }
}

/**
 * Rows of one collection as batches see them: loaded once, changed in memory,
 * written together at each commit. Changes made while applying one event are
 * staged, so a failing event leaves nothing behind. With `allKnown` (a
 * rebuild into empty tables that has kept every row it wrote) a row not in
 * memory does not exist, so nothing is read back.
 */
export class RowTable<Key, Row extends Positioned> {
  private readonly known = new Map<string, Row | undefined>();
  private readonly dirty = new Set<string>();
  private readonly staged = new Map<string, Row>();

  constructor(
    private readonly idOf: (key: Key) => string,
    private readonly keyOf: (row: Row) => Key,
    private readonly load: (keys: Key[]) => Promise<Row[]>,
    private readonly allKnown = false,
  ) {}

  get size(): number {
    return this.known.size;
  }

  async prefetch(keys: Key[]): Promise<void> {
    if (this.allKnown) return;
    const missing = [...new Map(keys.map((k) => [this.idOf(k), k])).entries()].filter(
      ([id]) => !this.known.has(id),
    );
    if (missing.length === 0) return;
    let rows: Row[];
    try {
      rows = await this.load(missing.map(([, k]) => k));
    } catch (error) {
      throw new ReadModelUnavailableError(error);
    }
    for (const [id] of missing) this.known.set(id, undefined);
    for (const row of rows) this.known.set(this.idOf(this.keyOf(row)), row);
  }

  async get(key: Key): Promise<Row | undefined> {
    const id = this.idOf(key);
    if (this.staged.has(id)) return this.staged.get(id);
    if (!this.known.has(id) && !this.allKnown) await this.prefetch([key]);
    return this.known.get(id);
  }

  put(row: Row): void {
    this.staged.set(this.idOf(this.keyOf(row)), row);
  }

  /** Reads the row as absent from now on (a replay recomputes it from its stream). */
  forget(key: Key): void {
    this.known.set(this.idOf(key), undefined);
  }

  keep(): void {
    if (this.staged.size === 0) return;
    for (const [id, row] of this.staged) {
      this.known.set(id, row);
      this.dirty.add(id);
    }
    this.staged.clear();
  }

  discard(): void {
    if (this.staged.size > 0) this.staged.clear();
  }

  changes(): Row[] {
    return [...this.dirty].map((id) => this.known.get(id)).filter((r): r is Row => !!r);
  }

  /** The changes are written: later commits carry only what changes after this. */
  committed(): void {
    this.dirty.clear();
  }
}

/**
 * The three read-model collections of one projection version: for one batch,
 * or kept across the batches of a rebuild (see RowTable's `allKnown`).
 */
export class UnitOfWork {
  readonly invitations: RowTable<string, InvitationRow>;
  readonly invitationRefs: RowTable<string, InvitationRefRow>;
  readonly relationships: RowTable<RelationshipKey, RelationshipRow>;
  /** Every row of the version is in memory (a fresh rebuild); nothing is read back. */
  readonly allKnown: boolean;

  constructor(
    store: ProjectionStore,
    target: ProjectionTarget,
    options: { allKnown?: boolean } = {},
  ) {
    const allKnown = (this.allKnown = options.allKnown ?? false);
    this.invitations = new RowTable(
      (id) => id,
      (r) => r.invitationId,
      (ids) => store.loadInvitations(target, ids),
      allKnown,
    );
    this.invitationRefs = new RowTable(
      (id) => id,
      (r) => r.invitationId,
      (ids) => store.loadInvitationRefs(target, ids),
      allKnown,
    );
    this.relationships = new RowTable(
      (k) => `${k.vendorId}\n${k.customerCompanyId}`,
      (r) => ({ vendorId: r.vendorId, customerCompanyId: r.customerCompanyId }),
      (keys) => store.loadRelationships(target, keys),
      allKnown,
    );
  }

  /** Rows held in memory, across the three collections. */
  get size(): number {
    return this.tables.reduce((sum, t) => sum + t.size, 0);
  }

  private get tables() {
    return [this.invitations, this.invitationRefs, this.relationships] as const;
  }

  keep(): void {
    this.tables.forEach((t) => t.keep());
  }

  discard(): void {
    this.tables.forEach((t) => t.discard());
  }

  committed(): void {
    this.tables.forEach((t) => t.committed());
  }

  changes(): Pick<ProjectionCommit, 'invitations' | 'invitationRefs' | 'relationships'> {
    return {
      invitations: this.invitations.changes(),
      invitationRefs: this.invitationRefs.changes(),
      relationships: this.relationships.changes(),
    };
  }
}

/**
 * Applies `evolve` to the row at `key` unless the row already reflects an
 * event at or after `position` (a redelivery or a duplicate).
 */
export async function update<Key, Row extends Positioned>(
  table: RowTable<Key, Row>,
  key: Key,
  position: bigint,
  evolve: (row: Row | undefined) => Row,
): Promise<void> {
  const row = await table.get(key);
  if (row && row.position >= position) return;
  const next = evolve(row);
  if (next !== row) table.put(next);
}
