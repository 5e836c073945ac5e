/**
 * The read-model port: what the projector writes and the query API reads.
 *
 * Every projection writes into a numbered *version* of its read models, so a
 * rebuild can fill version N+1 while N keeps serving and then switch
 * atomically (blue-green). Queries always read the projection's active
 * version. Rows remember the global position of the last event applied to
 * them, and an upsert never replaces a row with a higher position, so a
 * redelivered batch or a replay cannot move a row backwards.
 */
import type { Checkpoint } from './coordination.port';

import type { InvitationStatus, InvitationView } from '../contracts/invitation-view';

export type { InvitationStatus, InvitationView };
export const INVITATION_STATUSES: readonly InvitationStatus[] = [
  'pending',
  'accepted',
  'expired',
  'cancelled',
];

export type RelationshipStatus = 'active' | 'inactive';
export const RELATIONSHIP_STATUSES: readonly RelationshipStatus[] = ['active', 'inactive'];

/** One vendor–customer relationship, unique per (vendorId, customerCompanyId). */
export interface RelationshipView {
  vendorId: string;
  customerCompanyId: string;
  status: RelationshipStatus;
  createdAt: string;
  activatedAt: string;
  /** The invitation whose acceptance created or last re-activated it. */
  invitationId: string;
  customerNumber: string | null;
}

/** Global position of the last event applied to a row: the replay guard. */
export interface Positioned {
  position: bigint;
}

/**
 * Where a relationship's fields came from, so acceptances merge in any order
 * (a parked one replayed after later ones): positions of the earliest
 * acceptance (createdAt, activatedAt, invitationId) and of the earliest one
 * with a customer number. Stored beside the row, never in a view; absent on
 * rows written before they were kept.
 */
export interface RelationshipSources {
  createdPosition?: bigint;
  customerNumberPosition?: bigint;
}

export type InvitationRow = InvitationView & Positioned;
export type RelationshipRow = RelationshipView & Positioned & RelationshipSources;

/** What the relationship projection remembers of each invitation, to key an acceptance. */
export interface InvitationRefRow extends Positioned {
  invitationId: string;
  vendorId: string;
  customerNumber: string | null;
}

export interface RelationshipKey {
  vendorId: string;
  customerCompanyId: string;
}

/** One version of one projection's read models. */
export interface ProjectionTarget {
  projection: string;
  version: number;
}

/** Name of a target's checkpoint in the coordination store. */
export const checkpointName = (t: ProjectionTarget): string =>
  `projection:${t.projection}:v${t.version}`;

/** An event a projection could not handle, kept aside with the reason. */
export interface ParkedEvent {
  position: bigint;
  streamName: string;
  eventId: string;
  eventType: string;
  error: string;
  attempts: number;
  /** UTC ISO-8601. */
  parkedAt: string;
}

/**
 * One atomic write of a projection: rows, parked events and (unless it is a
 * replay) the checkpoint, all or nothing.
 */
export interface ProjectionCommit {
  target: ProjectionTarget;
  /** Upserts; each replaces the stored row only when its `position` is ≥ the stored one. */
  invitations?: InvitationRow[];
  relationships?: RelationshipRow[];
  invitationRefs?: InvitationRefRow[];
  /** Parked events to record (replacing any with the same position). */
  park?: ParkedEvent[];
  /** Positions of parked events to remove (they were replayed). */
  unpark?: bigint[];
  /**
   * Moves the checkpoint `checkpointName(target)` with the same fencing as
   * `CheckpointStore.save`: a stale `expectedVersion` throws
   * CheckpointConflictError and nothing of the commit is written.
   */
  checkpoint?: { position: bigint; expectedVersion: number; lastEventAt?: string };
}

export type VersionState = 'building' | 'active' | 'retired';

export interface ProjectionVersionState {
  projection: string;
  version: number;
  state: VersionState;
  /** The version's checkpoint position. */
  position: bigint;
  /** `occurredAt` of the last event committed with a checkpoint, if any. */
  lastEventAt: string | null;
  /** When a commit last moved the checkpoint (UTC ISO-8601), if ever; a replay's does not. */
  updatedAt: string | null;
  /** Counted up to PARKED_COUNT_LIMIT, which then means at least that many. */
  parkedEvents: number;
}

/**
 * Where a count of parked events stops: the states are read on each
 * `/projections`, `/ready` and read-your-writes check, and a full count costs
 * one step per parked event (20 ms for a million on SQLite, on the event loop).
 */
export const PARKED_COUNT_LIMIT = 10_000;

export interface Page<Item, Cursor> {
  items: Item[];
  /** Key of the last item when more may follow; pass it back as `after`. */
  next?: Cursor;
}

export interface InvitationCursor {
  sentAt: string;
  invitationId: string;
}

/** Newest first: `sentAt` descending, then `invitationId` descending. */
export interface InvitationQuery {
  vendorId: string;
  status?: InvitationStatus;
  /** Exact match on the lower-cased address. */
  email?: string;
  /** 1–100. */
  limit: number;
  after?: InvitationCursor;
}

export interface RelationshipCursor {
  createdAt: string;
  /** The other party's id: customerCompanyId when listing by vendor, vendorId by customer. */
  id: string;
}

/** Newest first: `createdAt` descending, then the other party's id descending. */
export type RelationshipQuery = (
  | { vendorId: string; customerCompanyId?: undefined }
  | { customerCompanyId: string; vendorId?: undefined }
) & {
  status?: RelationshipStatus;
  limit: number;
  after?: RelationshipCursor;
};

/** Writing side: the projector, rebuilds and replays. */
export interface ProjectionStore {
  /** The active version, creating version 1 (active, checkpoint 0) for a new projection. */
  ensureProjection(projection: string): Promise<number>;
  /** The active version, or undefined for an unknown projection. */
  activeVersion(projection: string): Promise<number | undefined>;
  /** Every version that is not retired, with checkpoint and parked count; all projections when none named. */
  projectionStates(projection?: string): Promise<ProjectionVersionState[]>;

  /**
   * Opens the next version for a rebuild (state `building`, checkpoint 0), or
   * returns the one already building so an interrupted rebuild resumes;
   * `restart` drops an existing building version first.
   */
  beginBuild(
    projection: string,
    options?: { restart?: boolean },
  ): Promise<{ version: number; resumed: boolean }>;
  /**
   * Readies a building `version` for serving once its bulk is written (the
   * SQLite adapter builds its list indexes here, in one sort, instead of row
   * by row). Rows may still be committed to it afterwards.
   */
  finishBuild(projection: string, version: number): Promise<void>;
  /**
   * Atomically makes a building `version` active and retires `expectedActive`.
   * Throws ProjectionSwitchError when `expectedActive` is no longer active,
   * `version` is not building, or its checkpoint is behind the active one's.
   */
  activateVersion(projection: string, version: number, expectedActive: number): Promise<void>;
  /**
   * Retires a version and deletes its rows and parked events; refuses the active
   * version. Version numbers are never reused, so its checkpoint may stay.
   */
  dropVersion(projection: string, version: number): Promise<void>;

  loadCheckpoint(target: ProjectionTarget): Promise<Checkpoint>;
  loadInvitations(target: ProjectionTarget, invitationIds: string[]): Promise<InvitationRow[]>;
  loadInvitationRefs(
    target: ProjectionTarget,
    invitationIds: string[],
  ): Promise<InvitationRefRow[]>;
  loadRelationships(target: ProjectionTarget, keys: RelationshipKey[]): Promise<RelationshipRow[]>;

  /**
   * Parked events in position order: those of `streams` only when given (a replay or
   * a batch reads its own streams', not the whole list), else all of them.
   */
  listParked(target: ProjectionTarget, streams?: string[]): Promise<ParkedEvent[]>;
  /** Which of `streams` have a parked event (their later events are parked too). */
  streamsWithParkedEvents(target: ProjectionTarget, streams: string[]): Promise<Set<string>>;

  /**
   * Applies one commit atomically. Throws CheckpointConflictError (stale
   * checkpoint version) or ProjectionVersionRetiredError (the version was
   * switched away from or dropped), writing nothing. Returns the new
   * checkpoint version when the commit moved the checkpoint.
   */
  commit(commit: ProjectionCommit): Promise<number | undefined>;
}

/** Reading side: the query API. Each reads the active version of the named projection. */
export interface ReadModelQueries {
  listInvitations(
    projection: string,
    query: InvitationQuery,
  ): Promise<Page<InvitationView, InvitationCursor>>;
  listRelationships(
    projection: string,
    query: RelationshipQuery,
  ): Promise<Page<RelationshipView, RelationshipCursor>>;
}

/** One adapter serves both sides; it does not own the connection, so it has no `close`. */
export interface ReadModels extends ProjectionStore, ReadModelQueries {}

export class ProjectionVersionRetiredError extends Error {
  constructor(readonly target: ProjectionTarget) {
    super(`projection ${target.projection} version ${target.version} is not writable any more`);
    this.name = 'ProjectionVersionRetiredError';
  }
}

export type ProjectionSwitchProblem = 'active_changed' | 'not_building' | 'behind';

export class ProjectionSwitchError extends Error {
  constructor(
    readonly projection: string,
    readonly version: number,
    readonly problem: ProjectionSwitchProblem,
  ) {
    super(`cannot activate ${projection} version ${version}: ${problem}`);
    this.name = 'ProjectionSwitchError';
  }
}

export const READ_MODELS = Symbol('READ_MODELS');
