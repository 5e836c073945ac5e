import type { InvitationEvent, InvitationEventType } from '../invitation-events';
import type { Eventually, UnitOfWork } from './unit-of-work';

/**
 * One projection: how an event changes its rows. The row logic itself lives
 * in pure `evolve` functions; this only says which rows an event touches.
 */
export interface Projection {
  /** Also the name of its checkpoint, lease and read-model versions. */
  name: string;
  /** The event types it reads; others are passed over without being decoded. */
  eventTypes: readonly InvitationEventType[];
  /** Loads in bulk the rows a batch about these invitations will read. */
  prefetch(invitationIds: string[], rows: UnitOfWork): Promise<void>;
  /**
   * Applies one event; a throw (or rejection) has it retried, then parked.
   * Synchronous while every row it reads is in memory.
   */
  apply(event: InvitationEvent, rows: UnitOfWork): Eventually<void>;
  /** For a replay of the invitation's stream: forget the rows only that stream writes. */
  forget(invitationId: string, rows: UnitOfWork): void;
}
