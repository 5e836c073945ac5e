import { AppError } from '../../../libs/platform/errors/app-error';
import {
  ABANDONED_RESERVATION_MS,
  emailReservation,
  emailStream,
  type EmailReservedEvent,
} from './user-lookup.decider';

const now = new Date('2026-11-26T10:00:00Z');
const reserved = (userId: string, at = now, replaces?: string): EmailReservedEvent => ({
  type: 'EmailReserved',
  data: { userId, reservedAt: at.toISOString(), ...(replaces && { replaces }) },
});
const stateOf = (history: EmailReservedEvent[]) =>
  history.reduce(emailReservation.evolve, emailReservation.initialState());

describe('emailReservation', () => {
  describe('when the email is free', () => {
    it('reserves it for the user', () => {
      expect(emailReservation.decide({ userId: 'u-1' }, stateOf([]), now)).toEqual([
        reserved('u-1'),
      ]);
    });
  });

  describe('when the email is reserved', () => {
    const state = stateOf([reserved('u-1')]);

    it('refuses another user with email_taken', () => {
      expect(() => emailReservation.decide({ userId: 'u-2' }, state, now)).toThrow(AppError);
      expect(() => emailReservation.decide({ userId: 'u-2' }, state, now)).toThrow(
        expect.objectContaining({ kind: 'conflict', code: 'email_taken' }),
      );
    });

    it('is a no-op for the same user', () => {
      expect(emailReservation.decide({ userId: 'u-1' }, state, now)).toEqual([]);
    });

    it('refuses a takeover while the reservation is recent, even if its user is missing', () => {
      const soon = new Date(now.getTime() + ABANDONED_RESERVATION_MS - 1);
      expect(() =>
        emailReservation.decide({ userId: 'u-2', missingHolder: 'u-1' }, state, soon),
      ).toThrow(expect.objectContaining({ code: 'email_taken' }));
    });
  });

  describe('when the reservation was abandoned (its user never recorded, and it is old)', () => {
    const state = stateOf([reserved('u-1')]);
    const later = new Date(now.getTime() + ABANDONED_RESERVATION_MS);

    it('passes the email to the next registration', () => {
      expect(
        emailReservation.decide({ userId: 'u-2', missingHolder: 'u-1' }, state, later),
      ).toEqual([reserved('u-2', later, 'u-1')]);
      expect(stateOf([reserved('u-1'), reserved('u-2', later, 'u-1')]).userId).toBe('u-2');
    });

    it('refuses when the reservation has passed to another user since its holder was found missing', () => {
      const taken = stateOf([reserved('u-1'), reserved('u-3', later, 'u-1')]);
      const after = new Date(later.getTime() + ABANDONED_RESERVATION_MS);
      expect(() =>
        emailReservation.decide({ userId: 'u-2', missingHolder: 'u-1' }, taken, after),
      ).toThrow(expect.objectContaining({ code: 'email_taken' }));
    });

    it('still refuses when the reserved user exists', () => {
      expect(() => emailReservation.decide({ userId: 'u-2' }, state, later)).toThrow(
        expect.objectContaining({ code: 'email_taken' }),
      );
    });

    it('treats a reservation recorded without its time as old', () => {
      const legacy = stateOf([{ type: 'EmailReserved', data: { userId: 'u-1' } }]);
      expect(
        emailReservation.decide({ userId: 'u-2', missingHolder: 'u-1' }, legacy, now),
      ).toHaveLength(1);
    });
  });

  describe('stream names', () => {
    it('hash the lower-cased email so it never appears in the name', () => {
      expect(emailStream('Ann@Example.com')).toBe(emailStream('ann@example.com'));
      expect(emailStream('ann@example.com')).toMatch(/^user-email-[0-9a-f]{64}$/);
    });

    it('keep the name stored streams already have, so existing accounts stay reachable', () => {
      // sha256 of "ann@example.com": a change in how the key is derived would orphan every reservation.
      expect(emailStream('Ann@Example.com')).toBe(
        'user-email-71d4f55f72fa128dfb468a1a3901507c804b74316488744d769d7f4b16696476',
      );
    });
  });
});
