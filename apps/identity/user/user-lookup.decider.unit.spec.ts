import { AppError } from '../../../libs/platform/errors/app-error';
import { emailReservation, emailStream, type LookupEvent } from './user-lookup.decider';

const now = new Date('2026-11-26T10:00:00Z');
const reserved = (userId: string): LookupEvent => ({ type: 'EmailReserved', data: { userId } });
const stateOf = (history: LookupEvent[]) =>
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

    it('keeps pointing at the first user', () => {
      expect(stateOf([reserved('u-1'), reserved('u-2')])).toEqual({ userId: 'u-1' });
    });
  });

  describe('stream names', () => {
    it('hash the lower-cased email so it never appears in the name', () => {
      expect(emailStream('Ann@Example.com')).toBe(emailStream('ann@example.com'));
      expect(emailStream('ann@example.com')).toMatch(/^user-email-[0-9a-f]{64}$/);
    });
  });
});
