import {
  invitationCursor,
  queryOf,
  readInvitationCursor,
  readRelationshipCursor,
  relationshipCursor,
} from './cursor';

const b64 = (json: string) => Buffer.from(json).toString('base64url');

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

  describe('when a relationship cursor comes back with the query that returned it', () => {
    it('gives the key it was made from, for customers and for vendors', () => {
      const row = { createdAt: '2026-11-28T10:00:00.000Z', id: 'company-2' };
      const q = queryOf('company-1');
      expect(
        readRelationshipCursor('customers', q, relationshipCursor('customers', q, row)),
      ).toEqual(row);
      expect(readRelationshipCursor('vendors', q, relationshipCursor('vendors', q, row))).toEqual(
        row,
      );
    });
  });

  describe('when a cursor is crafted rather than returned', () => {
    it('is refused with invalid_cursor and a field error on cursor', () => {
      for (const raw of [
        b64('null'),
        b64('1'),
        b64(JSON.stringify({ k: 'invitations', t: 5, id: 'x' })),
        b64(JSON.stringify({ k: 'invitations', t: key.sentAt, id: { $gt: '' } })),
        b64(JSON.stringify({ k: 'customers', t: key.sentAt, id: 'x' })),
      ]) {
        expect(() => readInvitationCursor(pending, raw)).toThrow(
          expect.objectContaining({
            code: 'invalid_cursor',
            errors: [{ field: 'cursor', message: expect.any(String) }],
          }),
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
