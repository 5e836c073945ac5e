import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { RecordedEvent } from '../../../libs/event-store';
import { checkpointName } from '../../../libs/read-store/read-models.port';
import { SqliteReadModels } from '../../../libs/read-store/sqlite/sqlite-read-models';
import { slotTables } from '../../../libs/read-store/sqlite/sqlite-read-models.schema';
import { waitFor } from '../../../libs/testing/wait-for';
import { appendTo, events } from '../testing/invitation-events';
import { projectorFixture, type ProjectorFixture } from '../testing/projector-fixture';
import type { KillPoint } from '../testing/run-projector.child';
import { projectBatch } from './project-batch';
import { INVITATIONS_READ_MODEL, PROJECTIONS } from './projections';
import { startProjector } from './projector';

const INVITATIONS = 300;
const VENDORS = ['v1', 'v2', 'v3'];
/** The child's batch size while catching up, and the batch of the invitations projection it dies in. */
const MAX_BATCH = 25;
const KILL_AT_BATCH = 8;

async function seed(f: ProjectorFixture) {
  for (let i = 0; i < INVITATIONS; i++) {
    const id = `i${i}`;
    const vendorId = VENDORS[i % VENDORS.length];
    const list = [events.sent(id, { vendorId, customerNumber: `N-${i}` }, i)];
    if (i % 3 === 0) list.push(events.accepted(id, `c${i % 7}`, i + 1));
    if (i % 3 === 1) list.push(events.cancelled(id, i + 1));
    if (i % 5 === 0) list.push(events.resent(id, i + 2));
    await appendTo(f.eventStore, id, ...list);
  }
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/**
 * Runs the projector in a child process from an empty read-model file until it
 * SIGKILLs itself at `point` of the commit of the invitations projection's
 * batch KILL_AT_BATCH (see run-projector.child.ts).
 */
async function runChildUntilItDies(f: ProjectorFixture, point: KillPoint): Promise<Exit> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      '@swc-node/register',
      join(__dirname, '../testing/run-projector.child.ts'),
      f.eventsPath,
      f.readModelsPath,
    ],
    {
      env: {
        ...process.env,
        KILL_PROJECTION: INVITATIONS_READ_MODEL,
        KILL_AT_BATCH: String(KILL_AT_BATCH),
        KILL_POINT: point,
        MAX_BATCH: String(MAX_BATCH),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const ended: { exit?: Exit } = {};
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      ended.exit = { code, signal };
      resolve();
    }),
  );
  try {
    return await waitFor(() => ended.exit, {
      timeoutMs: 20_000,
      message: `the child to kill itself ${point} committing batch ${KILL_AT_BATCH}`,
    });
  } finally {
    if (!ended.exit) child.kill('SIGKILL');
    await exited;
  }
}

/** A projection's durable state: its active version's checkpoint and every row of its tables. */
function stateOf(db: Database.Database, projection: string) {
  const active = db
    .prepare(
      `SELECT slot, version FROM rm_projection_versions WHERE projection = ? AND state = 'active'`,
    )
    .get(projection) as { slot: number; version: number } | undefined;
  if (!active) throw new Error(`${projection} has no active version`);
  const checkpoint = db
    .prepare('SELECT position FROM checkpoints WHERE name = ?')
    .get(checkpointName({ projection, version: active.version })) as
    { position: string } | undefined;
  const t = slotTables(active.slot);
  const rows = (table: string, order: string) =>
    db.prepare(`SELECT * FROM ${table} ORDER BY ${order}`).safeIntegers(true).all();
  return {
    position: BigInt(checkpoint?.position ?? 0),
    invitations: rows(t.invitations, 'invitation_id'),
    relationships: rows(t.relationships, 'vendor_id, customer_company_id'),
    invitationRefs: rows(t.invitationRefs, 'invitation_id'),
    parked: rows(t.parked, 'position'),
  };
}

/** Every projection's state as one batch from scratch through `through(projection)` leaves it. */
async function rebuiltThrough(all: RecordedEvent[], through: (projection: string) => bigint) {
  const db = new Database(':memory:');
  try {
    const store = new SqliteReadModels(db);
    const states = new Map<string, ReturnType<typeof stateOf>>();
    for (const projection of PROJECTIONS) {
      const version = await store.ensureProjection(projection.name);
      const target = { projection: projection.name, version };
      const upTo = through(projection.name);
      await projectBatch(
        { store, projection, target },
        all.filter((e) => e.position <= upTo),
        await store.loadCheckpoint(target),
      );
      states.set(projection.name, stateOf(db, projection.name));
    }
    return states;
  } finally {
    db.close();
  }
}

const ascending = (positions: bigint[]) =>
  [...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

const KILLS: Array<{ point: KillPoint; state: string; committed: number }> = [
  {
    point: 'before',
    state: 'when it is killed mid-catch-up just before committing a batch',
    committed: KILL_AT_BATCH - 1,
  },
  {
    point: 'inside',
    state:
      "when it is killed mid-catch-up inside a batch's commit, its checkpoint and a row written",
    committed: KILL_AT_BATCH - 1,
  },
  {
    point: 'after',
    state: 'when it is killed mid-catch-up just after committing a batch',
    committed: KILL_AT_BATCH,
  },
];

describe('projector process', () => {
  let f: ProjectorFixture;
  beforeEach(() => {
    f = projectorFixture();
  });
  afterEach(() => f.close());

  describe.each(KILLS)('$state', ({ point, committed }) => {
    it('keeps whole batches only, and the restart resumes right after its checkpoint: no gap, no duplicate', async () => {
      await seed(f);
      const all = await f.eventStore.readAll({ after: 0n, maxCount: 100_000 });
      const head = all[all.length - 1].position;
      expect(all.length).toBeGreaterThan(MAX_BATCH * (KILL_AT_BATCH + 1));

      expect(await runChildUntilItDies(f, point)).toEqual({ code: null, signal: 'SIGKILL' });

      // The kill left each projection exactly as its committed batches did: all of each, nothing more.
      const atKill = new Map(PROJECTIONS.map((p) => [p.name, stateOf(f.db, p.name)]));
      const checkpointAtKill = (projection: string) => atKill.get(projection)!.position;
      const expectedAtKill = await rebuiltThrough(all, checkpointAtKill);
      for (const p of PROJECTIONS) expect(atKill.get(p.name)).toEqual(expectedAtKill.get(p.name));
      expect(checkpointAtKill(INVITATIONS_READ_MODEL)).toBe(
        all[MAX_BATCH * committed - 1].position,
      );

      // A new projector instance takes over once the dead one's lease runs out.
      const subscribeToAll = jest.spyOn(f.eventStore, 'subscribeToAll');
      const applied = new Map(PROJECTIONS.map((p) => [p.name, [] as bigint[]]));
      const logged: string[] = [];
      const projector = startProjector({
        eventStore: f.eventStore,
        store: f.readModels,
        leases: f.leases,
        leaseTtlMs: 1000,
        log: (message) => logged.push(message),
        projections: PROJECTIONS.map((p) => ({
          ...p,
          apply: (event, rows) => {
            applied.get(p.name)!.push(event.position);
            return p.apply(event, rows);
          },
        })),
      });
      try {
        await f.caughtUp();
      } finally {
        await projector.stop();
      }
      const subscribedAfter = subscribeToAll.mock.calls.map(([options]) => options.after);
      subscribeToAll.mockRestore();

      expect(logged).toEqual([]);
      // Each projection subscribed once, from the checkpoint it had saved before the kill...
      expect(ascending(subscribedAfter)).toEqual(
        ascending(PROJECTIONS.map((p) => checkpointAtKill(p.name))),
      );
      // ...and applied every later event it reads once, in order, and no earlier one.
      for (const p of PROJECTIONS) {
        const reads = new Set<string>(p.eventTypes);
        expect({ [p.name]: applied.get(p.name) }).toEqual({
          [p.name]: all
            .filter((e) => reads.has(e.type) && e.position > checkpointAtKill(p.name))
            .map((e) => e.position),
        });
      }
      // The read models end as a rebuild from scratch has them, with nothing parked.
      const rebuilt = await rebuiltThrough(all, () => head);
      for (const p of PROJECTIONS) {
        const state = stateOf(f.db, p.name);
        expect(state).toEqual(rebuilt.get(p.name));
        expect(state.position).toBe(head);
        expect(state.parked).toEqual([]);
      }
      expect(stateOf(f.db, INVITATIONS_READ_MODEL).invitations).toHaveLength(INVITATIONS);
    });
  });
});
