import type { RecordedEvent } from '../../../libs/event-store';
import { invitationStreamPrefix } from '../invitation/invitation.events';
import { expiryFinalAt } from '../invitation/invitation.state';

/** The event types that change when an invitation expires; the index reads only these. */
export const EXPIRY_EVENT_TYPES = [
  'InvitationSent',
  'InvitationResent',
  'InvitationAcceptanceDeferred',
  'InvitationAccepted',
  'InvitationCancelled',
  'InvitationExpired',
] as const;

/**
 * Pending invitations and when they expire, folded from the event store in
 * global order. Sent and resent set the expiry; a deferred acceptance adds the
 * grace; accepted, cancelled and expired remove the invitation.
 */
export class PendingExpiries {
  private readonly expiries = new Map<string, number>();
  /** Pending invitations with an acceptance waiting for verification. */
  private readonly waiting = new Set<string>();
  /** Everything up to here is folded in. */
  position = 0n;

  /** Folds `events` in; `through`, when the read that found them went past the last one. */
  apply(events: RecordedEvent[], through?: bigint): void {
    for (const e of events) {
      this.position = e.position;
      if (!e.streamName.startsWith(invitationStreamPrefix)) continue;
      const id = e.streamName.slice(invitationStreamPrefix.length);
      switch (e.type) {
        case 'InvitationSent':
        case 'InvitationResent':
          this.expiries.set(id, Date.parse(String(e.data.expiresAt)));
          break;
        case 'InvitationAcceptanceDeferred':
          if (this.expiries.has(id)) this.waiting.add(id);
          break;
        case 'InvitationAccepted':
        case 'InvitationCancelled':
        case 'InvitationExpired':
          this.expiries.delete(id);
          this.waiting.delete(id);
          break;
      }
    }
    if (through !== undefined && through > this.position) this.position = through;
  }

  /** Invitations whose expiry is final (`expiryFinalAt`) at `now`. */
  due(now: Date): string[] {
    const t = now.getTime();
    // One pass over the map, without copying it: most invitations are not due.
    const due: string[] = [];
    for (const [id, expiresAt] of this.expiries) {
      if (expiresAt <= t && expiryFinalAt(expiresAt, this.waiting.has(id)) <= t) due.push(id);
    }
    return due;
  }

  get size(): number {
    return this.expiries.size;
  }
}
