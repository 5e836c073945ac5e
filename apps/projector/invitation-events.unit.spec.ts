import { invitationIdOf, ProjectionError, toInvitationEvent } from './invitation-events';
import { events, recorded } from './testing/invitation-events';

describe('invitation events', () => {
  describe('when an event is on its invitation stream', () => {
    it('is keyed by the stream id and normalised', () => {
      const e = events.sent('i1', { email: 'Ann@Example.COM', businessName: 'Acme' });
      const parsed = toInvitationEvent(recorded('invitation-i1', e, 7n));
      expect(parsed).toMatchObject({
        type: 'InvitationSent',
        invitationId: 'i1',
        email: 'ann@example.com',
        businessName: 'Acme',
        customerNumber: null,
        position: 7n,
        occurredAt: e.metadata.occurredAt,
      });
    });

    it('keeps an address recorded in decomposed Unicode as queries ask for it, in NFC', () => {
      const e = events.sent('i1', { email: 'JOSE\u0301@example.com' });
      expect(toInvitationEvent(recorded('invitation-i1', e, 1n))).toMatchObject({
        email: 'jos\u00e9@example.com',
      });
    });

    it('takes the id from the stream when the data does not carry it', () => {
      const e = events.cancelled('i2');
      delete e.data.invitationId;
      expect(invitationIdOf(recorded('invitation-i2', e, 1n))).toBe('i2');
    });
  });

  describe('when an event is not for the projections', () => {
    it('is ignored: other streams, guard streams, other types', () => {
      expect(invitationIdOf(recorded('user-1', events.sent('i1'), 1n))).toBeUndefined();
      expect(invitationIdOf(recorded('invitation_slot-x', events.sent('i1'), 1n))).toBeUndefined();
      const other = { ...events.sent('i1'), type: 'PendingSlotClaimed' };
      expect(invitationIdOf(recorded('invitation-i1', other, 1n))).toBeUndefined();
    });
  });

  describe('when the data is unusable', () => {
    it('throws a ProjectionError naming the field', () => {
      const e = events.accepted('i1');
      e.data.acceptedAt = 'yesterday';
      expect(() => toInvitationEvent(recorded('invitation-i1', e, 1n))).toThrow(ProjectionError);
      expect(() => toInvitationEvent(recorded('invitation-i1', e, 1n))).toThrow(/acceptedAt/);
    });

    it('throws a ProjectionError when the data names another invitation than its stream', () => {
      for (const invitationId of ['i2', 7, null]) {
        const e = {
          ...events.accepted('i1'),
          data: { ...events.accepted('i1').data, invitationId },
        };
        expect(invitationIdOf(recorded('invitation-i1', e, 1n))).toBe('i1');
        expect(() => toInvitationEvent(recorded('invitation-i1', e, 1n))).toThrow(/invitationId/);
      }
    });

    it('throws a ProjectionError when there is no data object at all', () => {
      for (const data of [null, 'text', [1]]) {
        const e = { ...events.cancelled('i1'), data: data as never };
        expect(invitationIdOf(recorded('invitation-i1', e, 1n))).toBe('i1');
        expect(() => toInvitationEvent(recorded('invitation-i1', e, 1n))).toThrow(ProjectionError);
      }
    });
  });
});
