import { invitationCursor, queryOf, readInvitationCursor } from './cursor';

describe('page cursors', () => {
  const key = { sentAt: '2026-11-28T10:00:00.000Z', invitationId: 'inv-1' };
  const pending = queryOf('vendor-1', 'pending', undefined);

  describe('when a cursor comes back with the query that returned it', () => {
    it('gives the key it was made from', () => {
      expect(readInvitationCursor(pending, invitationCursor(pending, key))).toEqual(key);
    });
  });

  describe('when a cursor comes back with another query', () => {
    it('is refused with invalid_cursor', () => {
      const cursor = invitationCursor(pending, key);
      for (const other of [
        queryOf('vendor-1', undefined, undefined),
        queryOf('vendor-2', 'pending', undefined),
        queryOf('vendor-1', 'pending', 'a@x.io'),
      ]) {
        expect(() => readInvitationCursor(other, cursor)).toThrow(
          expect.objectContaining({ code: 'invalid_cursor' }),
        );
      }
    });
  });

  describe('when a cursor was issued before cursors named their query', () => {
    it('is still taken, so paging through a deployment goes on', () => {
      const legacy = Buffer.from(
        JSON.stringify({ k: 'invitations', t: key.sentAt, id: key.invitationId }),
      ).toString('base64url');
      expect(readInvitationCursor(pending, legacy)).toEqual(key);
    });
  });
});
