import type { RecordedEvent } from '../../../libs/event-store';
import {
  acceptedBy,
  after,
  cancelled,
  deferredFor,
  EXPIRES_AT,
  expired,
  resent,
  sent,
} from '../invitation/invitation.given';
import type { InvitationEvent } from '../invitation/invitation.events';
import { WAITING_ACCEPTANCE_GRACE_MS } from '../invitation/invitation.state';
import { PendingExpiries } from './pending-expiries';

let position = 0n;
const recorded = (e: InvitationEvent, streamName = 'invitation-inv-1'): RecordedEvent => ({
  ...e,
  streamName,
  revision: 0,
  position: ++position,
  eventId: `e${position}`,
  metadata: { correlationId: 'c', causationId: 'c', actor: 'a', occurredAt: EXPIRES_AT },
});
const fold = (...events: RecordedEvent[]) => {
  const index = new PendingExpiries();
  index.apply(events);
  return index;
};

describe('pending expiries', () => {
  describe('when an invitation is pending', () => {
    it('is due from its expiry on', () => {
      const index = fold(recorded(sent));
      expect(index.due(after(EXPIRES_AT, -1))).toEqual([]);
      expect(index.due(new Date(EXPIRES_AT))).toEqual(['inv-1']);
      expect(index.position).toBe(position);
    });

    it('follows a resend to its new expiry', () => {
      const index = fold(recorded(sent), recorded(resent('2026-12-30T00:00:00.000Z')));
      expect(index.due(after(EXPIRES_AT, 1))).toEqual([]);
    });
  });

  describe('when an acceptance waits for email verification', () => {
    const grace = WAITING_ACCEPTANCE_GRACE_MS;

    it('is due only once the grace after its expiry is over', () => {
      const index = fold(recorded(sent), recorded(deferredFor()));
      expect(index.due(after(EXPIRES_AT, grace - 1))).toEqual([]);
      expect(index.due(after(EXPIRES_AT, grace))).toEqual(['inv-1']);
    });

    it('keeps the grace across a resend of the pending invitation', () => {
      const later = '2026-12-30T00:00:00.000Z';
      const index = fold(recorded(sent), recorded(deferredFor()), recorded(resent(later)));
      expect(index.due(after(later, grace - 1))).toEqual([]);
      expect(index.due(after(later, grace))).toEqual(['inv-1']);
    });

    it('drops it once the invitation expired, so a resend after that has none', () => {
      const later = '2026-12-30T00:00:00.000Z';
      const index = fold(
        recorded(sent),
        recorded(deferredFor()),
        recorded(expired),
        recorded(resent(later)),
      );
      expect(index.due(new Date(later))).toEqual(['inv-1']);
    });
  });

  describe('when it is accepted, cancelled or expired', () => {
    it('is no longer tracked', () => {
      expect(fold(recorded(sent), recorded(acceptedBy())).size).toBe(0);
      expect(fold(recorded(sent), recorded(cancelled)).size).toBe(0);
      expect(fold(recorded(sent), recorded(expired)).size).toBe(0);
    });
  });

  describe('when events belong to other streams', () => {
    it('ignores them but moves its position', () => {
      const index = fold(recorded(sent, 'invitation_slot-abc'));
      expect(index.size).toBe(0);
      expect(index.position).toBe(position);
    });
  });

  describe('when the read that found the events went past them', () => {
    it('stands at the end of that read, never behind what it folded', () => {
      const index = fold(recorded(sent));
      index.apply([], index.position + 10n);
      expect(index.position).toBe(position + 10n);
      index.apply([recorded(cancelled)], 1n);
      expect(index.position).toBe(position);
    });
  });
});
