import { ProjectionError } from '../invitation-events';
import { events, projected } from '../testing/invitation-events';
import { evolveInvitation } from './invitation-list.evolve';

const sent = () =>
  evolveInvitation(undefined, projected('i1', events.sent('i1', { customerNumber: 'C-7' }, 0), 1n));

describe('invitation list row', () => {
  describe('when an invitation is sent', () => {
    it('is pending with the invitation details and the send time', () => {
      expect(sent()).toEqual({
        invitationId: 'i1',
        vendorId: 'vendor-1',
        email: 'ann@example.com',
        firstName: 'Ann',
        lastName: 'Lee',
        businessName: null,
        customerNumber: 'C-7',
        status: 'pending',
        sentAt: events.at(0),
        expiresAt: events.at(3600),
        acceptedAt: null,
        cancelledAt: null,
        expiredAt: null,
        customerCompanyId: null,
        position: 1n,
      });
    });

    it('ignores a duplicated send', () => {
      const accepted = evolveInvitation(sent(), projected('i1', events.accepted('i1'), 2n));
      expect(evolveInvitation(accepted, projected('i1', events.sent('i1'), 3n))).toBe(accepted);
    });
  });

  describe('when a pending invitation changes', () => {
    it('records acceptance with the customer company', () => {
      const row = evolveInvitation(sent(), projected('i1', events.accepted('i1', 'co-9', 30), 2n));
      expect(row).toMatchObject({
        status: 'accepted',
        acceptedAt: events.at(30),
        customerCompanyId: 'co-9',
        position: 2n,
      });
    });

    it('records cancellation at the event time', () => {
      const row = evolveInvitation(sent(), projected('i1', events.cancelled('i1', 40), 2n));
      expect(row).toMatchObject({ status: 'cancelled', cancelledAt: events.at(40) });
    });

    it('records expiry, and a resend makes it pending again with the new expiry', () => {
      const expired = evolveInvitation(sent(), projected('i1', events.expired('i1', 50), 2n));
      expect(expired).toMatchObject({ status: 'expired', expiredAt: events.at(50) });
      const resent = evolveInvitation(
        expired,
        projected('i1', events.resent('i1', 60, events.at(9000)), 3n),
      );
      expect(resent).toMatchObject({
        status: 'pending',
        expiresAt: events.at(9000),
        expiredAt: null,
        sentAt: events.at(0),
      });
    });

    it('stays pending while an acceptance waits for email verification', () => {
      const row = sent();
      expect(evolveInvitation(row, projected('i1', events.deferred('i1'), 2n))).toBe(row);
    });
  });

  describe('when the invitation is unknown', () => {
    it('refuses anything but a send', () => {
      expect(() => evolveInvitation(undefined, projected('i1', events.accepted('i1'), 2n))).toThrow(
        ProjectionError,
      );
    });
  });
});
