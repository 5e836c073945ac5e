import { timingSafeEqual } from 'node:crypto';
import type { AccountType } from '../../../libs/auth/principal';
import type { Decider, DomainEvent } from '../../../libs/platform/command-handling/decider';
import { conflict, invalid, notFound } from '../../../libs/platform/errors/app-error';

/** How long a verification link works. */
export const VERIFICATION_TTL_MS = 24 * 60 * 60 * 1000;
/** A new verification link at most this often, so a resend cannot be used to flood an inbox. */
export const VERIFICATION_RESEND_INTERVAL_MS = 60_000;
/**
 * Links live at once, at most: past it a resend issues none. Without it a resend a minute kept
 * 1,440 links alive, and every request that loads the user (login, verify) folded them again
 * for each event, slower by the day.
 */
export const MAX_LIVE_VERIFICATIONS = 10;

export const userStream = (userId: string) => `user-${userId}`;

// Type aliases, not interfaces: event data must be assignable to Record<string, unknown>.
export type UserProfile = {
  userId: string;
  /** Lower-cased. */
  email: string;
  accountType: AccountType;
  companyId: string;
  companyName: string;
  firstName?: string;
  lastName?: string;
  /** Encoded scrypt hash, never the password. */
  passwordHash: string;
};

export type UserEvent =
  | DomainEvent<'UserRegistered', UserProfile>
  | DomainEvent<'EmailVerificationIssued', { tokenHash: string; expiresAt: string }>
  | DomainEvent<'EmailVerified', { userId: string; email: string; verifiedAt: string }>;

export type UserCommand =
  | ({ type: 'RegisterUser'; verificationTokenHash: string } & UserProfile)
  | { type: 'IssueEmailVerification'; tokenHash: string }
  | { type: 'VerifyEmail'; tokenHash: string };

export type Verification = { tokenHash: string; expiresAt: string };

export type RegisteredUser = UserProfile & {
  registered: true;
  /**
   * The links issued and not yet expired, oldest first, at most
   * MAX_LIVE_VERIFICATIONS. A resend leaves the
   * earlier ones working until they expire: anyone may ask for a resend, and
   * it must not kill the link its owner is about to open.
   */
  verifications: Verification[];
  verifiedAt?: string;
};

export type UserState = { registered: false } | RegisteredUser;

const INVALID_TOKEN = 'The verification link is invalid or has expired.';

/** The refusal of a verification token; `errors` names the field, as a form would show it. */
export const invalidToken = () =>
  invalid('invalid_token', INVALID_TOKEN, [{ field: 'token', message: INVALID_TOKEN }]);

export const userDecider: Decider<UserState, UserCommand, UserEvent> = {
  initialState: () => ({ registered: false }),

  decide(command, state, now) {
    switch (command.type) {
      case 'RegisterUser': {
        if (state.registered) throw conflict('user_exists', 'This user is already registered.');
        const { type: _type, verificationTokenHash, ...profile } = command;
        return [
          { type: 'UserRegistered', data: withoutUndefined(profile) },
          issued(verificationTokenHash, now),
        ];
      }
      case 'IssueEmailVerification':
        if (!state.registered) throw notFound('user_not_found', 'There is no such user.');
        if (state.verifiedAt || issuedWithin(state, VERIFICATION_RESEND_INTERVAL_MS, now))
          return [];
        if (liveAt(state.verifications, now.getTime()).length >= MAX_LIVE_VERIFICATIONS) return [];
        return [issued(command.tokenHash, now)];
      case 'VerifyEmail': {
        if (!state.registered) throw invalidToken();
        const link = state.verifications.find((v) => sameHash(command.tokenHash, v.tokenHash));
        if (!link) throw invalidToken();
        if (state.verifiedAt) return [];
        if (now.getTime() >= Date.parse(link.expiresAt)) throw invalidToken();
        const data = { userId: state.userId, email: state.email, verifiedAt: now.toISOString() };
        return [{ type: 'EmailVerified', data }];
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'UserRegistered':
        return { ...event.data, registered: true, verifications: [] };
      case 'EmailVerificationIssued': {
        if (!state.registered) return state;
        // Links expired by the time this one is issued are forgotten, and only the newest
        // MAX_LIVE_VERIFICATIONS are kept (streams recorded before the cap may hold more).
        const live = liveAt(state.verifications, issuedAt(event.data));
        return {
          ...state,
          verifications: [...live.slice(1 - MAX_LIVE_VERIFICATIONS), event.data],
        };
      }
      case 'EmailVerified':
        return state.registered ? { ...state, verifiedAt: event.data.verifiedAt } : state;
    }
  },
};

/**
 * Whether the verification email carrying the link `tokenHash` is still worth sending: the
 * address not verified yet (by another link), the link not expired.
 */
export function verificationEmailWanted(state: UserState, tokenHash: string, now: Date): boolean {
  return (
    state.registered &&
    !state.verifiedAt &&
    liveAt(state.verifications, now.getTime()).some((v) => v.tokenHash === tokenHash)
  );
}

function issuedWithin(state: RegisteredUser, ms: number, now: Date): boolean {
  const latest = state.verifications.at(-1);
  return !!latest && now.getTime() < issuedAt(latest) + ms;
}

const liveAt = (links: Verification[], ms: number) =>
  links.filter((v) => Date.parse(v.expiresAt) > ms);

/** Links record only when they expire; every one lives VERIFICATION_TTL_MS. */
const issuedAt = (v: Verification) => Date.parse(v.expiresAt) - VERIFICATION_TTL_MS;

function issued(tokenHash: string, now: Date): UserEvent {
  const expiresAt = new Date(now.getTime() + VERIFICATION_TTL_MS).toISOString();
  return { type: 'EmailVerificationIssued', data: { tokenHash, expiresAt } };
}

/** Constant-time comparison of two hex digests. */
function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
