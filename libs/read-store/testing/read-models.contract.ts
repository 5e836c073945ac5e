import { waitFor } from '../../testing/wait-for';
import { randomUUID } from 'node:crypto';
import { CheckpointConflictError } from '../coordination.port';
import {
  PARKED_COUNT_LIMIT,
  ProjectionSwitchError,
  ProjectionVersionRetiredError,
  type InvitationRow,
  type ParkedEvent,
  type ProjectionTarget,
  type ReadModels,
  type RelationshipRow,
} from '../read-models.port';

export type ReadModelsFactory = () => Promise<{
  readModels: ReadModels;
  close: () => Promise<void>;
}>;

/** A complete invitation row; `n` orders `sentAt` (higher is newer). */
export function invitationRow(over: Partial<InvitationRow> & { n?: number } = {}): InvitationRow {
  const { n = 0, ...rest } = over;
  return {
    invitationId: randomUUID(),
    vendorId: 'vendor',
    email: 'ann@example.com',
    firstName: 'Ann',
    lastName: 'Lee',
    businessName: null,
    customerNumber: null,
    status: 'pending',
    sentAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    expiresAt: '2026-02-01T00:00:00.000Z',
    acceptedAt: null,
    cancelledAt: null,
    expiredAt: null,
    customerCompanyId: null,
    position: 1n,
    ...rest,
  };
}

export function relationshipRow(
  over: Partial<RelationshipRow> & { n?: number } = {},
): RelationshipRow {
  const { n = 0, ...rest } = over;
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
  return {
    vendorId: 'vendor',
    customerCompanyId: randomUUID(),
    status: 'active',
    createdAt: at,
    activatedAt: at,
    invitationId: randomUUID(),
    customerNumber: null,
    position: 1n,
    ...rest,
  };
}

function parked(position: bigint, streamName: string): ParkedEvent {
  return {
    position,
    streamName,
    eventId: randomUUID(),
    eventType: 'InvitationAccepted',
    error: 'boom',
    attempts: 3,
    parkedAt: '2026-01-01T00:00:00.000Z',
  };
}

function view<T extends { position: bigint }>(row: T): Omit<T, 'position'> {
  const { position: _position, ...rest } = row;
  return rest;
}

/**
 * What every read-model adapter promises. Projection, vendor and company ids
 * are unique per test, so the suite can run against a shared server.
 */
export function readModelsContract(open: ReadModelsFactory): void {
  let subject: Awaited<ReturnType<ReadModelsFactory>>;
  let rm: ReadModels;
  let projection: string;
  let vendorId: string;
  let v1: ProjectionTarget;
  beforeEach(async () => {
    subject = await open();
    rm = subject.readModels;
    projection = `p-${randomUUID()}`;
    vendorId = `vendor-${randomUUID()}`;
    v1 = { projection, version: await rm.ensureProjection(projection) };
  });
  afterEach(async () => {
    await subject.close();
  });

  describe('when a projection is new', () => {
    it('starts at version 1, active, checkpoint 0, and ensuring again changes nothing', async () => {
      expect(v1.version).toBe(1);
      expect(await rm.ensureProjection(projection)).toBe(1);
      expect(await rm.activeVersion(projection)).toBe(1);
      expect(await rm.loadCheckpoint(v1)).toEqual({ position: 0n, version: 0 });
      expect(await rm.projectionStates(projection)).toEqual([
        expect.objectContaining({
          projection,
          version: 1,
          state: 'active',
          position: 0n,
          parkedEvents: 0,
        }),
      ]);
      expect(await rm.activeVersion(`unknown-${randomUUID()}`)).toBeUndefined();
    });
  });

  describe('when a commit carries rows and a checkpoint', () => {
    it('writes both, keeping 64-bit positions exactly', async () => {
      const big = 2n ** 62n + 3n;
      const inv = invitationRow({
        vendorId,
        position: big,
        businessName: 'Acme',
        customerNumber: 'C-1',
      });
      const rel = relationshipRow({ vendorId, position: big });
      const ref = {
        invitationId: inv.invitationId,
        vendorId,
        customerNumber: 'C-1',
        position: big,
      };
      const version = await rm.commit({
        target: v1,
        invitations: [inv],
        relationships: [rel],
        invitationRefs: [ref],
        checkpoint: { position: big, expectedVersion: 0, lastEventAt: '2026-01-01T00:00:00.000Z' },
      });
      expect(await rm.loadCheckpoint(v1)).toEqual({ position: big, version });
      expect(await rm.loadInvitations(v1, [inv.invitationId, 'missing'])).toEqual([inv]);
      expect(await rm.loadRelationships(v1, [rel, { vendorId, customerCompanyId: 'x' }])).toEqual([
        rel,
      ]);
      expect(await rm.loadInvitationRefs(v1, [inv.invitationId])).toEqual([ref]);
      const [state] = await rm.projectionStates(projection);
      expect(state).toMatchObject({ position: big, lastEventAt: '2026-01-01T00:00:00.000Z' });
      expect(state.updatedAt).toEqual(expect.any(String));
    });

    it('keeps the time of the last commit that moved the checkpoint when one keeps it (a replay’s)', async () => {
      const moved = await rm.commit({
        target: v1,
        checkpoint: { position: 5n, expectedVersion: 0 },
      });
      const [{ updatedAt }] = await rm.projectionStates(projection);
      await waitFor(() => Date.now() > Date.parse(updatedAt!) + 1);
      await rm.commit({ target: v1, checkpoint: { position: 5n, expectedVersion: moved! } });
      expect((await rm.projectionStates(projection))[0].updatedAt).toBe(updatedAt);
    });

    it('writes nothing when the checkpoint version is stale', async () => {
      await rm.commit({ target: v1, checkpoint: { position: 5n, expectedVersion: 0 } });
      const inv = invitationRow({ vendorId, position: 6n });
      await expect(
        rm.commit({
          target: v1,
          invitations: [inv],
          checkpoint: { position: 6n, expectedVersion: 0 },
        }),
      ).rejects.toBeInstanceOf(CheckpointConflictError);
      expect(await rm.loadInvitations(v1, [inv.invitationId])).toEqual([]);
      expect((await rm.loadCheckpoint(v1)).position).toBe(5n);
    });

    it('leaves the checkpoint alone when the commit has none (a replay)', async () => {
      const cp = await rm.commit({ target: v1, checkpoint: { position: 9n, expectedVersion: 0 } });
      await rm.commit({ target: v1, invitations: [invitationRow({ vendorId, position: 3n })] });
      expect(await rm.loadCheckpoint(v1)).toEqual({ position: 9n, version: cp });
    });
  });

  describe('when a row is written again', () => {
    it('keeps the stored row against a lower position and replaces it at an equal or higher one', async () => {
      const row = invitationRow({ vendorId, position: 10n, status: 'accepted' });
      await rm.commit({ target: v1, invitations: [row] });
      await rm.commit({ target: v1, invitations: [{ ...row, status: 'pending', position: 9n }] });
      expect((await rm.loadInvitations(v1, [row.invitationId]))[0].status).toBe('accepted');
      await rm.commit({
        target: v1,
        invitations: [{ ...row, status: 'cancelled', position: 10n }],
      });
      expect((await rm.loadInvitations(v1, [row.invitationId]))[0].status).toBe('cancelled');

      const rel = relationshipRow({ vendorId, position: 10n });
      await rm.commit({ target: v1, relationships: [rel] });
      await rm.commit({
        target: v1,
        relationships: [{ ...rel, status: 'inactive', position: 4n }],
      });
      expect((await rm.loadRelationships(v1, [rel]))[0].status).toBe('active');
      await rm.commit({
        target: v1,
        relationships: [{ ...rel, status: 'inactive', position: 11n }],
      });
      expect((await rm.loadRelationships(v1, [rel]))[0]).toEqual({
        ...rel,
        status: 'inactive',
        position: 11n,
      });

      const ref = { invitationId: row.invitationId, vendorId, customerNumber: null, position: 5n };
      await rm.commit({ target: v1, invitationRefs: [ref] });
      await rm.commit({
        target: v1,
        invitationRefs: [{ ...ref, vendorId: 'other', position: 4n }],
      });
      expect(await rm.loadInvitationRefs(v1, [row.invitationId])).toEqual([ref]);
    });
  });

  describe('when events are parked', () => {
    it('lists them in order, tells their streams, counts them, and forgets them when unparked', async () => {
      await rm.commit({
        target: v1,
        park: [parked(7n, 'invitation-b'), parked(3n, 'invitation-a')],
      });
      await rm.commit({ target: v1, park: [{ ...parked(7n, 'invitation-b'), attempts: 4 }] });
      const list = await rm.listParked(v1);
      expect(list.map((p) => [p.position, p.streamName, p.attempts])).toEqual([
        [3n, 'invitation-a', 3],
        [7n, 'invitation-b', 4],
      ]);
      expect(list[0]).toMatchObject({ eventType: 'InvitationAccepted', error: 'boom' });
      expect(await rm.streamsWithParkedEvents(v1, ['invitation-a', 'invitation-c'])).toEqual(
        new Set(['invitation-a']),
      );
      expect((await rm.projectionStates(projection))[0].parkedEvents).toBe(2);
      await rm.commit({ target: v1, unpark: [3n] });
      expect((await rm.listParked(v1)).map((p) => p.position)).toEqual([7n]);
    });

    it('counts them up to the limit, so a read of the states costs the same however many', async () => {
      const many = Array.from({ length: PARKED_COUNT_LIMIT + 1 }, (_, i) =>
        parked(BigInt(i + 1), `invitation-${i}`),
      );
      await rm.commit({ target: v1, park: many });
      expect((await rm.projectionStates(projection))[0].parkedEvents).toBe(PARKED_COUNT_LIMIT);
      await rm.commit({ target: v1, unpark: [1n, 2n] });
      expect((await rm.projectionStates(projection))[0].parkedEvents).toBe(PARKED_COUNT_LIMIT - 1);
    });

    it('lists only those of the streams named, in order', async () => {
      const b = parked(4n, 'invitation-b');
      await rm.commit({
        target: v1,
        park: [
          parked(9n, 'invitation-a'),
          b,
          parked(2n, 'invitation-a'),
          parked(6n, 'invitation-c'),
        ],
      });
      const of = async (streams: string[]) =>
        (await rm.listParked(v1, streams)).map((p) => [p.position, p.streamName]);
      expect(await of(['invitation-a', 'invitation-c'])).toEqual([
        [2n, 'invitation-a'],
        [6n, 'invitation-c'],
        [9n, 'invitation-a'],
      ]);
      expect(await rm.listParked(v1, ['invitation-b'])).toEqual([b]);
      expect(await of(['invitation-z'])).toEqual([]);
      expect(await of([])).toEqual([]);
      expect(await rm.streamsWithParkedEvents(v1, ['invitation-c', 'invitation-z'])).toEqual(
        new Set(['invitation-c']),
      );
    });
  });

  describe('when a vendor has many invitations', () => {
    it('lists them newest first with filters and a cursor that visits each once', async () => {
      const sameTime = 5;
      const rows = [
        invitationRow({ vendorId, n: 1, email: 'a@x.io' }),
        invitationRow({ vendorId, n: 2, status: 'accepted' }),
        invitationRow({ vendorId, n: sameTime, invitationId: `${vendorId}-b` }),
        invitationRow({ vendorId, n: sameTime, invitationId: `${vendorId}-a`, status: 'expired' }),
        invitationRow({ vendorId, n: 9, email: 'a@x.io', status: 'cancelled' }),
        invitationRow({ vendorId: `other-${randomUUID()}`, n: 7 }),
      ];
      await rm.commit({ target: v1, invitations: rows });
      const expected = [rows[4], rows[2], rows[3], rows[1], rows[0]].map(view);

      const all = await rm.listInvitations(projection, { vendorId, limit: 100 });
      expect(all).toEqual({ items: expected });

      const seen: unknown[] = [];
      let page = await rm.listInvitations(projection, { vendorId, limit: 2 });
      seen.push(...page.items);
      while (page.next) {
        page = await rm.listInvitations(projection, { vendorId, limit: 2, after: page.next });
        seen.push(...page.items);
      }
      expect(seen).toEqual(expected);

      const pending = await rm.listInvitations(projection, {
        vendorId,
        status: 'pending',
        limit: 10,
      });
      expect(pending.items.map((i) => i.invitationId)).toEqual(
        [rows[2], rows[0]].map((r) => r.invitationId),
      );
      const byEmail = await rm.listInvitations(projection, { vendorId, email: 'a@x.io', limit: 1 });
      expect(byEmail.items.map((i) => i.invitationId)).toEqual([rows[4].invitationId]);
      expect(byEmail.next).toEqual({ sentAt: rows[4].sentAt, invitationId: rows[4].invitationId });
    });
  });

  describe('when companies have relationships', () => {
    it('lists them by vendor and by customer company, newest first, filtered and paged', async () => {
      const customer = `customer-${randomUUID()}`;
      const rows = [
        relationshipRow({ vendorId, n: 1 }),
        relationshipRow({ vendorId, n: 2, status: 'inactive', customerCompanyId: customer }),
        relationshipRow({ vendorId, n: 3 }),
        relationshipRow({ vendorId: `other-${randomUUID()}`, n: 4, customerCompanyId: customer }),
      ];
      await rm.commit({ target: v1, relationships: rows });

      const first = await rm.listRelationships(projection, { vendorId, limit: 2 });
      expect(first.items).toEqual([rows[2], rows[1]].map(view));
      expect(first.next).toEqual({ createdAt: rows[1].createdAt, id: customer });
      const second = await rm.listRelationships(projection, {
        vendorId,
        limit: 2,
        after: first.next,
      });
      expect(second).toEqual({ items: [view(rows[0])] });

      const active = await rm.listRelationships(projection, {
        vendorId,
        status: 'active',
        limit: 10,
      });
      expect(active.items).toEqual([rows[2], rows[0]].map(view));
      const vendors = await rm.listRelationships(projection, {
        customerCompanyId: customer,
        limit: 10,
      });
      expect(vendors.items).toEqual([rows[3], rows[1]].map(view));
      const inactive = await rm.listRelationships(projection, {
        customerCompanyId: customer,
        status: 'inactive',
        limit: 10,
      });
      expect(inactive.items).toEqual([view(rows[1])]);
    });

    it('keeps where a relationship came from for the projection, and out of the lists', async () => {
      const sourced = relationshipRow({
        vendorId,
        n: 1,
        customerNumber: 'C-1',
        position: 9n,
        createdPosition: 2n ** 62n + 1n,
        customerNumberPosition: 5n,
      });
      const unsourced = relationshipRow({ vendorId, n: 2, position: 9n });
      await rm.commit({ target: v1, relationships: [sourced, unsourced] });
      expect(await rm.loadRelationships(v1, [sourced, unsourced])).toEqual(
        expect.arrayContaining([sourced, unsourced]),
      );
      const { createdPosition: _c, customerNumberPosition: _n, ...plain } = sourced;
      const listed = await rm.listRelationships(projection, { vendorId, limit: 10 });
      expect(listed.items).toEqual([view(unsourced), view(plain)]);

      // A later write replaces the sources with its own, or with none.
      await rm.commit({ target: v1, relationships: [{ ...plain, position: 10n }] });
      expect(await rm.loadRelationships(v1, [sourced])).toEqual([{ ...plain, position: 10n }]);
    });
  });

  describe('when a new version is built beside the active one', () => {
    it('serves the old version until an atomic switch, then the new one', async () => {
      const old = invitationRow({ vendorId, position: 4n, firstName: 'Old' });
      const cp1 = await rm.commit({
        target: v1,
        invitations: [old],
        checkpoint: { position: 4n, expectedVersion: 0 },
      });

      const { version, resumed } = await rm.beginBuild(projection);
      expect([version, resumed]).toEqual([2, false]);
      expect(await rm.beginBuild(projection)).toEqual({ version: 2, resumed: true });
      const v2 = { projection, version };
      expect(await rm.loadCheckpoint(v2)).toEqual({ position: 0n, version: 0 });
      expect((await rm.projectionStates(projection)).map((s) => [s.version, s.state])).toEqual([
        [1, 'active'],
        [2, 'building'],
      ]);

      const fresh = { ...old, firstName: 'New', position: 3n };
      const cp2 = await rm.commit({
        target: v2,
        invitations: [fresh],
        checkpoint: { position: 3n, expectedVersion: 0 },
      });
      const names = async () =>
        (await rm.listInvitations(projection, { vendorId, limit: 5 })).items.map(
          (i) => i.firstName,
        );
      expect(await names()).toEqual(['Old']);

      await expect(rm.activateVersion(projection, 2, 1)).rejects.toMatchObject({
        problem: 'behind',
      });
      await rm.commit({ target: v2, checkpoint: { position: 4n, expectedVersion: cp2! } });
      await expect(rm.activateVersion(projection, 2, 7)).rejects.toBeInstanceOf(
        ProjectionSwitchError,
      );
      await expect(rm.dropVersion(projection, 1)).rejects.toThrow();

      await rm.activateVersion(projection, 2, 1);
      expect(await rm.activeVersion(projection)).toBe(2);
      expect(await names()).toEqual(['New']);
      await expect(rm.activateVersion(projection, 2, 1)).rejects.toMatchObject({
        problem: 'active_changed',
      });
      await expect(
        rm.commit({
          target: v1,
          invitations: [old],
          checkpoint: { position: 5n, expectedVersion: cp1! },
        }),
      ).rejects.toBeInstanceOf(ProjectionVersionRetiredError);

      await rm.dropVersion(projection, 1);
      expect(await rm.loadInvitations(v1, [old.invitationId])).toEqual([]);
      expect((await rm.projectionStates(projection)).map((s) => s.version)).toEqual([2]);
    });

    it('takes commits after it is finished and serves them all once active', async () => {
      const { version } = await rm.beginBuild(projection);
      const v2 = { projection, version };
      const first = invitationRow({ vendorId, position: 1n, sentAt: '2026-01-01T00:00:00.000Z' });
      const cp = await rm.commit({
        target: v2,
        invitations: [first],
        checkpoint: { position: 1n, expectedVersion: 0 },
      });
      await rm.finishBuild(projection, version);
      const later = invitationRow({ vendorId, position: 2n, sentAt: '2026-01-02T00:00:00.000Z' });
      await rm.commit({
        target: v2,
        invitations: [later, { ...first, status: 'cancelled', position: 2n }],
        checkpoint: { position: 2n, expectedVersion: cp! },
      });
      await rm.activateVersion(projection, version, 1);
      const page = await rm.listInvitations(projection, {
        vendorId,
        status: 'cancelled',
        limit: 5,
      });
      expect(page.items.map((i) => i.invitationId)).toEqual([first.invitationId]);
      const all = await rm.listInvitations(projection, { vendorId, limit: 5 });
      expect(all.items.map((i) => i.invitationId)).toEqual([
        later.invitationId,
        first.invitationId,
      ]);
    });

    it('refuses to finish a version that is not building', async () => {
      await expect(rm.finishBuild(projection, 1)).rejects.toMatchObject({
        problem: 'not_building',
      });
      const { version } = await rm.beginBuild(projection);
      await expect(rm.finishBuild(projection, version + 1)).rejects.toMatchObject({
        problem: 'not_building',
      });
      await rm.finishBuild(projection, version);
    });

    it('starts over with a new number when a building version is restarted', async () => {
      const { version } = await rm.beginBuild(projection);
      const target = { projection, version };
      await rm.commit({
        target,
        invitations: [invitationRow({ vendorId })],
        park: [parked(1n, 's')],
      });
      const again = await rm.beginBuild(projection, { restart: true });
      expect(again).toEqual({ version: version + 1, resumed: false });
      expect(await rm.listParked(target)).toEqual([]);
      await expect(rm.commit({ target, invitations: [] })).rejects.toBeInstanceOf(
        ProjectionVersionRetiredError,
      );
      expect((await rm.projectionStates(projection)).map((s) => [s.version, s.state])).toEqual([
        [1, 'active'],
        [version + 1, 'building'],
      ]);
    });
  });
}
