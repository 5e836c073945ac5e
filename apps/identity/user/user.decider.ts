import { timingSafeEqual } from 'node:crypto';
import type { AccountType } from '../../../libs/auth/principal';
import type { Decider, DomainEvent } from '../../../libs/platform/command-handling/decider';
import { conflict, invalid, notFound } from '../../../libs/platform/errors/app-error';

/** How long a verification link works. */
export const VERIFICATION_TTL_MS = 24 * 60 * 60 * 1000;
/** A new verification link at most this often, so a resend cannot be used to flood an inbox. */
export const VERIFICATION_RESEND_INTERVAL_MS = 60_000;

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
   * The links issued and not yet expired, oldest first. A resend leaves the
   * earlier ones working until they expire: anyone may ask for a resend, and
   * it must not kill the link its owner is about to open.
   */
  verifications: Verification[];
  verifiedAt?: string;
};

export type UserState = { registered: false } | RegisteredUser;

const invalidToken = () =>
  invalid('invalid_token', 'The verification link is invalid or has expired.');

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
        // Links expired by the time this one is issued are forgotten, which bounds the list.
        const issuedMs = issuedAt(event.data);
        const live = state.verifications.filter((v) => Date.parse(v.expiresAt) > issuedMs);
        return { ...state, verifications: [...live, event.data] };
      }
      case 'EmailVerified':
        return state.registered ? { ...state, verifiedAt: event.data.verifiedAt } : state;
    }
  },
};

function issuedWithin(state: RegisteredUser, ms: number, now: Date): boolean {
  const latest = state.verifications.at(-1);
  return !!latest && now.getTime() < issuedAt(latest) + ms;
}

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
