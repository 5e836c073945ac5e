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

/** A value now, or once it is loaded. */
export type Eventually<T> = T | Promise<T>;

/** Runs `use` on `value` at once when it is at hand, so the in-memory path allocates no promise. */
export function whenKnown<T, U>(
  value: Eventually<T>,
  use: (value: T) => Eventually<U>,
): Eventually<U> {
  return value instanceof Promise ? value.then(use) : use(value);
}

/**
 * Rows of one collection as batches see them: loaded once, changed in memory,
 * written together at each commit. A row put while applying one event can be
 * taken back (an undo log), so a failing event leaves nothing behind. With
 * `allKnown` (a rebuild into empty tables that has kept every row it wrote) a
 * row not in memory does not exist, so nothing is read back.
 */
export class RowTable<Key, Row extends Positioned> {
  /** Every row looked at; a slot without a row is one known not to exist. */
  private readonly known = new Map<string, Slot<Row>>();
  /** Slots changed since the last commit, each once, in the order they changed. */
  private dirty: Slot<Row>[] = [];
  /**
   * Puts since the last keep or discard, flat in fours (no array per put):
   * the slot, its row before, whether it was dirty, its id if it was new.
   */
  private readonly undo: unknown[] = [];

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
    for (const [id] of missing) this.known.set(id, { row: undefined, dirty: false });
    for (const row of rows) this.known.get(this.idOf(this.keyOf(row)))!.row = row;
  }

  /** The row at `key`; synchronous when it is in memory (or cannot exist), else read first. */
  get(key: Key): Eventually<Row | undefined> {
    const id = this.idOf(key);
    const slot = this.known.get(id);
    if (slot || this.allKnown) return slot?.row;
    return this.prefetch([key]).then(() => this.known.get(id)?.row);
  }

  put(row: Row): void {
    const id = this.idOf(this.keyOf(row));
    let slot = this.known.get(id);
    const isNew = !slot;
    if (!slot) this.known.set(id, (slot = { row: undefined, dirty: false }));
    this.undo.push(slot, slot.row, slot.dirty, isNew ? id : undefined);
    slot.row = row;
    if (!slot.dirty) {
      slot.dirty = true;
      this.dirty.push(slot);
    }
  }

  /** Reads the row as absent from now on (a replay recomputes it from its stream). */
  forget(key: Key): void {
    const id = this.idOf(key);
    const slot = this.known.get(id);
    if (slot) slot.row = undefined;
    else this.known.set(id, { row: undefined, dirty: false });
  }

  keep(): void {
    if (this.undo.length > 0) this.undo.length = 0;
  }

  discard(): void {
    const u = this.undo;
    for (let i = u.length - 4; i >= 0; i -= 4) {
      const slot = u[i] as Slot<Row>;
      slot.row = u[i + 1] as Row | undefined;
      if (!u[i + 2] && slot.dirty) {
        slot.dirty = false;
        this.dirty.pop(); // it became dirty in this event, so it is the last one
      }
      if (u[i + 3] !== undefined) this.known.delete(u[i + 3] as string);
    }
    u.length = 0;
  }

  changes(): Row[] {
    const rows: Row[] = [];
    for (const slot of this.dirty) if (slot.row) rows.push(slot.row);
    return rows;
  }

  /** The changes are written: later commits carry only what changes after this. */
  committed(): void {
    for (const slot of this.dirty) slot.dirty = false;
    this.dirty = [];
  }
}

/** A row held in memory, or the knowledge that there is none; `dirty` until committed. */
interface Slot<Row> {
  row: Row | undefined;
  dirty: boolean;
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
export function update<Key, Row extends Positioned>(
  table: RowTable<Key, Row>,
  key: Key,
  position: bigint,
  evolve: (row: Row | undefined) => Row,
): Eventually<void> {
  return whenKnown(table.get(key), (row) => {
    if (row && row.position >= position) return;
    const next = evolve(row);
    if (next !== row) table.put(next);
  });
}
