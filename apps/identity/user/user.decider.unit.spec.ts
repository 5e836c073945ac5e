import { AppError } from '../../../libs/platform/errors/app-error';
import {
  MAX_LIVE_VERIFICATIONS,
  userDecider,
  VERIFICATION_RESEND_INTERVAL_MS,
  VERIFICATION_TTL_MS,
  verificationEmailWanted,
  type UserCommand,
  type UserEvent,
  type UserProfile,
} from './user.decider';

const now = new Date('2026-11-26T10:00:00.000Z');
const later = (ms: number) => new Date(now.getTime() + ms);

const profile: UserProfile = {
  userId: 'u-1',
  email: 'ann@example.com',
  accountType: 'customer',
  companyId: 'c-1',
  companyName: 'Ann Ltd',
  passwordHash: 'scrypt$hash',
};
const registered: UserEvent = { type: 'UserRegistered', data: profile };
const issued = (tokenHash: string, at = now): UserEvent => ({
  type: 'EmailVerificationIssued',
  data: { tokenHash, expiresAt: new Date(at.getTime() + VERIFICATION_TTL_MS).toISOString() },
});
const verified = (at = now): UserEvent => ({
  type: 'EmailVerified',
  data: { userId: 'u-1', email: 'ann@example.com', verifiedAt: at.toISOString() },
});

/** given(history).when(command, at) → the events decided, or the refusal. */
function given(history: UserEvent[]) {
  const state = history.reduce(userDecider.evolve, userDecider.initialState());
  return {
    when: (command: UserCommand, at = now) => ({
      then: (expected: UserEvent[]) =>
        expect(userDecider.decide(command, state, at)).toEqual(expected),
      thenRefuses: (code: string) => {
        let refusal: unknown;
        try {
          userDecider.decide(command, state, at);
        } catch (error) {
          refusal = error;
        }
        expect(refusal).toBeInstanceOf(AppError);
        expect((refusal as AppError).code).toBe(code);
      },
    }),
  };
}

const register: UserCommand = { type: 'RegisterUser', verificationTokenHash: 'h1', ...profile };
const verify = (tokenHash: string): UserCommand => ({ type: 'VerifyEmail', tokenHash });

describe('verificationEmailWanted', () => {
  const wanted = (history: UserEvent[], tokenHash: string, at = now) =>
    verificationEmailWanted(
      history.reduce(userDecider.evolve, userDecider.initialState()),
      tokenHash,
      at,
    );

  describe('when the address is not verified yet', () => {
    it('wants the email of each link still alive, not of an expired or unknown one', () => {
      const history = [registered, issued('h1'), issued('h2', later(60_000))];
      expect(wanted(history, 'h1')).toBe(true);
      expect(wanted(history, 'h2')).toBe(true);
      expect(wanted(history, 'h9')).toBe(false);
      expect(wanted(history, 'h1', later(VERIFICATION_TTL_MS))).toBe(false);
      expect(wanted([], 'h1')).toBe(false);
    });
  });

  describe('when the address was verified meanwhile', () => {
    it('wants no more verification email', () => {
      expect(wanted([registered, issued('h1'), issued('h2'), verified()], 'h2')).toBe(false);
    });
  });
});

describe('userDecider', () => {
  describe('when the user does not exist', () => {
    it('registers the user and issues a verification that expires in 24 hours', () => {
      given([])
        .when(register)
        .then([registered, issued('h1')]);
    });

    it('leaves optional names out instead of recording undefined', () => {
      const state = userDecider.initialState();
      const [event] = userDecider.decide({ ...register, firstName: undefined }, state, now);
      expect(event.data).not.toHaveProperty('firstName');
    });

    it('refuses verification as an invalid token', () => {
      given([]).when(verify('h1')).thenRefuses('invalid_token');
    });

    it('refuses to issue a verification', () => {
      given([])
        .when({ type: 'IssueEmailVerification', tokenHash: 'h2' })
        .thenRefuses('user_not_found');
    });
  });

  describe('when the user is registered and unverified', () => {
    const history = [registered, issued('h1')];

    it('refuses a second registration', () => {
      given(history).when(register).thenRefuses('user_exists');
    });

    it('verifies the email with the issued token', () => {
      given(history)
        .when(verify('h1'), later(1000))
        .then([verified(later(1000))]);
    });

    it('refuses a token that does not match', () => {
      given(history).when(verify('h9')).thenRefuses('invalid_token');
    });

    it('refuses a token of a different length', () => {
      given(history).when(verify('h1-longer')).thenRefuses('invalid_token');
    });

    it('refuses the token once it has expired', () => {
      given(history).when(verify('h1'), later(VERIFICATION_TTL_MS)).thenRefuses('invalid_token');
    });

    it('issues a new verification on request', () => {
      given(history)
        .when(
          { type: 'IssueEmailVerification', tokenHash: 'h2' },
          later(VERIFICATION_RESEND_INTERVAL_MS),
        )
        .then([issued('h2', later(VERIFICATION_RESEND_INTERVAL_MS))]);
    });

    it('issues none while the last one is less than the resend interval old', () => {
      given(history)
        .when(
          { type: 'IssueEmailVerification', tokenHash: 'h2' },
          later(VERIFICATION_RESEND_INTERVAL_MS - 1),
        )
        .then([]);
    });
  });

  describe('when a newer verification was issued', () => {
    const history = [registered, issued('h1'), issued('h2', later(1000))];

    it('still accepts the older token until it expires, as anyone may ask for a resend', () => {
      given(history)
        .when(verify('h1'), later(2000))
        .then([verified(later(2000))]);
      given(history).when(verify('h1'), later(VERIFICATION_TTL_MS)).thenRefuses('invalid_token');
    });

    it('accepts the newer token', () => {
      given(history)
        .when(verify('h2'), later(2000))
        .then([verified(later(2000))]);
    });
  });

  describe('when links expired before a newer one was issued', () => {
    it('forgets them, so the links kept stay bounded', () => {
      const history = [registered, issued('h1'), issued('h2', later(VERIFICATION_TTL_MS))];
      const state = history.reduce(userDecider.evolve, userDecider.initialState());
      expect(state.registered && state.verifications.map((v) => v.tokenHash)).toEqual(['h2']);
    });
  });

  describe('when as many links are live as an account may hold', () => {
    const links = (count: number) =>
      Array.from({ length: count }, (_, i) =>
        issued(`h${i}`, later(i * VERIFICATION_RESEND_INTERVAL_MS)),
      );
    const resend: UserCommand = { type: 'IssueEmailVerification', tokenHash: 'new' };

    it('issues none until the oldest expires, and each live one still verifies', () => {
      const history = [registered, ...links(MAX_LIVE_VERIFICATIONS)];
      const next = later(MAX_LIVE_VERIFICATIONS * VERIFICATION_RESEND_INTERVAL_MS);
      given(history).when(resend, next).then([]);
      given(history)
        .when(resend, later(VERIFICATION_TTL_MS))
        .then([issued('new', later(VERIFICATION_TTL_MS))]);
      given(history)
        .when(verify('h0'), next)
        .then([verified(next)]);
    });

    it('keeps only the newest of a stream recorded before the limit, so a fold stays linear', () => {
      const history = [registered, ...links(MAX_LIVE_VERIFICATIONS + 5)];
      const state = history.reduce(userDecider.evolve, userDecider.initialState());
      expect(state.registered && state.verifications.map((v) => v.tokenHash)).toEqual(
        Array.from({ length: MAX_LIVE_VERIFICATIONS }, (_, i) => `h${i + 5}`),
      );
      given(history).when(verify('h4'), later(1)).thenRefuses('invalid_token');
    });
  });

  describe('when the email is already verified', () => {
    const history = [registered, issued('h1'), verified()];

    it('accepts the same token again without new events', () => {
      given(history)
        .when(verify('h1'), later(VERIFICATION_TTL_MS * 2))
        .then([]);
    });

    it('still refuses a wrong token', () => {
      given(history).when(verify('h9')).thenRefuses('invalid_token');
    });

    it('issues no further verification', () => {
      given(history).when({ type: 'IssueEmailVerification', tokenHash: 'h2' }).then([]);
    });
  });
});
