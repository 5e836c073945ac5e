import type { RecordedEvent } from '../../../libs/event-store';
import {
  acceptedBy,
  after,
  cancelled,
  EXPIRES_AT,
  expired,
  resent,
  SENT_AT,
  sent,
} from '../invitation/invitation.given';
import type { InvitationEvent } from '../invitation/invitation.events';
import { invitationView } from './invitation-view';

const at =
  (iso: string) =>
  (e: InvitationEvent, i: number): RecordedEvent => ({
    ...e,
    data: e.data,
    streamName: 'invitation-inv-1',
    revision: i,
    position: BigInt(i + 1),
    eventId: `e${i}`,
    metadata: {
      correlationId: 'c',
      causationId: 'c',
      actor: 'user:u',
      occurredAt: i === 0 ? SENT_AT.toISOString() : iso,
    },
  });
const history = (events: InvitationEvent[], iso = '2026-11-21T08:00:00.000Z') =>
  events.map(at(iso));
const now = after(SENT_AT, 1000);

describe('invitation view', () => {
  describe('when the invitation is pending', () => {
    it('shows what was sent, with nulls for what has not happened', () => {
      expect(invitationView(history([sent]), now)).toEqual({
        invitationId: 'inv-1',
        vendorId: 'vendor-1',
        email: 'ann@example.com',
        firstName: 'Ann',
        lastName: 'Lee',
        businessName: null,
        customerNumber: null,
        status: 'pending',
        sentAt: SENT_AT.toISOString(),
        expiresAt: EXPIRES_AT,
        acceptedAt: null,
        cancelledAt: null,
        expiredAt: null,
        customerCompanyId: null,
      });
    });
  });

  describe('when it is past its expiry but no expiry is recorded yet', () => {
    it('reads as expired at its expiry time', () => {
      expect(invitationView(history([sent]), new Date(EXPIRES_AT))).toMatchObject({
        status: 'expired',
        expiredAt: EXPIRES_AT,
      });
    });
  });

  describe('when it was accepted, cancelled or expired', () => {
    it('shows when and by whom', () => {
      expect(invitationView(history([sent, acceptedBy()]), now)).toMatchObject({
        status: 'accepted',
        acceptedAt: SENT_AT.toISOString(),
        customerCompanyId: 'company-ann',
      });
      expect(invitationView(history([sent, cancelled]), now)).toMatchObject({
        status: 'cancelled',
        cancelledAt: '2026-11-21T08:00:00.000Z',
      });
      expect(invitationView(history([sent, expired]), now)).toMatchObject({
        status: 'expired',
        expiredAt: EXPIRES_AT,
      });
    });
  });

  describe('when an expired invitation was resent', () => {
    it('is pending again with the new expiry', () => {
      const view = invitationView(
        history([sent, expired, resent('2026-12-30T00:00:00.000Z')]),
        now,
      );
      expect(view).toMatchObject({
        status: 'pending',
        expiresAt: '2026-12-30T00:00:00.000Z',
        expiredAt: null,
      });
    });
  });

  describe('when later events were recorded after it was sent', () => {
    it('keeps sentAt at when it was sent', () => {
      for (const events of [
        [sent, acceptedBy()],
        [sent, expired, resent()],
        [sent, cancelled],
      ]) {
        expect(invitationView(history(events), now)?.sentAt).toBe(SENT_AT.toISOString());
      }
    });
  });

  describe('when there is no invitation', () => {
    it('is null', () => {
      expect(invitationView([], now)).toBeNull();
    });
  });
});
