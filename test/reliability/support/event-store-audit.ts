import Database from 'better-sqlite3';
import { invitationStream } from '../../../apps/invitations/invitation/invitation.events';

export interface EventStoreAudit {
  events: number;
  streams: number;
  /** Acknowledged invitations whose stream does not start with their InvitationSent. */
  missing: string[];
  /** Streams whose revisions, in position order, are not 0, 1, 2, … */
  corruptStreams: string[];
  duplicateEventIds: string[];
  /** Invitations recorded as sent (whether or not the caller got the answer). */
  invitationsSent: number;
  /** Pending-slot claims whose invitation was never recorded (a claim and its invitation share a commit). */
  orphanSlotClaims: number;
  /** Rows whose position is not above the previous row's. */
  positionsOutOfOrder: number;
  integrity: string;
}

interface Row {
  position: bigint;
  stream: string;
  revision: bigint;
  event_id: string;
  type: string;
  data: string;
}

/**
 * Reads the SQLite event store file directly (no adapter code in between) and
 * checks it: every acknowledged invitation recorded, every stream contiguous
 * from revision 0, event ids unique, global positions strictly increasing.
 * The file must not be in use by another process.
 */
export function auditEventStore(path: string, acknowledgedInvitations: string[]): EventStoreAudit {
  const db = new Database(path, { fileMustExist: true });
  try {
    const integrity = String(db.pragma('integrity_check', { simple: true }));
    const rows = db
      .prepare('SELECT position, stream, revision, event_id, type, data FROM events ORDER BY rowid')
      .safeIntegers(true)
      .all() as Row[];

    const nextRevision = new Map<string, number>();
    const corrupt = new Set<string>();
    const seenIds = new Set<string>();
    const duplicateEventIds: string[] = [];
    const sent = new Map<string, string>();
    const claimed = new Set<string>();
    let previous = 0n;
    let positionsOutOfOrder = 0;
    for (const row of rows) {
      if (row.position <= previous) positionsOutOfOrder += 1;
      previous = row.position;
      const expected = nextRevision.get(row.stream) ?? 0;
      if (Number(row.revision) !== expected) corrupt.add(row.stream);
      nextRevision.set(row.stream, expected + 1);
      if (seenIds.has(row.event_id)) duplicateEventIds.push(row.event_id);
      seenIds.add(row.event_id);
      if (row.revision === 0n && row.type === 'InvitationSent') sent.set(row.stream, row.data);
      if (row.type === 'PendingSlotClaimed') {
        claimed.add((JSON.parse(row.data) as { invitationId: string }).invitationId);
      }
    }
    const missing = acknowledgedInvitations.filter((id) => {
      const data = sent.get(invitationStream(id));
      return !data || (JSON.parse(data) as { invitationId?: string }).invitationId !== id;
    });
    return {
      events: rows.length,
      streams: nextRevision.size,
      missing,
      corruptStreams: [...corrupt],
      duplicateEventIds,
      invitationsSent: sent.size,
      orphanSlotClaims: [...claimed].filter((id) => !sent.has(invitationStream(id))).length,
      positionsOutOfOrder,
      integrity,
    };
  } finally {
    db.close();
  }
}
