import { createHash } from 'node:crypto';
import type { Decider, DomainEvent } from '../../../libs/platform/command-handling/decider';
import { conflict, type AppError } from '../../../libs/platform/errors/app-error';

/**
 * Lookup streams map a key to one user: the email (uniqueness, login) and each
 * verification token hash (the link carries only the token). The first claim
 * wins: of two concurrent claims the second fails on the stream revision,
 * re-reads and is refused.
 */
export const emailStream = (email: string) =>
  `user-email-${createHash('sha256').update(email.toLowerCase()).digest('hex')}`;
export const verificationTokenStream = (tokenHash: string) => `user-verification-${tokenHash}`;

export type LookupEvent = DomainEvent<'VerificationTokenLinked', { userId: string }>;
export interface LookupState {
  userId?: string;
}
export interface ClaimKey {
  userId: string;
}

function lookupDecider(
  eventType: LookupEvent['type'],
  taken: () => AppError,
): Decider<LookupState, ClaimKey, LookupEvent> {
  return {
    initialState: () => ({}),
    evolve: (state, event) => (state.userId ? state : { userId: event.data.userId }),
    decide(claim, state) {
      if (state.userId === undefined) return [{ type: eventType, data: { userId: claim.userId } }];
      if (state.userId === claim.userId) return [];
      throw taken();
    },
  };
}

export const emailTaken = () =>
  conflict('email_taken', 'An account with this email already exists.');

/**
 * How long a reservation whose user was never recorded holds the email. A
 * registration records its user milliseconds after reserving; one that
 * crashed in between would otherwise strand the email for good.
 */
export const ABANDONED_RESERVATION_MS = 60_000;

export type EmailReservedEvent = DomainEvent<
  'EmailReserved',
  { userId: string; reservedAt?: string; replaces?: string }
>;
export interface EmailReservationState {
  userId?: string;
  /** Absent on reservations recorded before it was kept: they count as old. */
  reservedAt?: string;
}
export interface ReserveEmail {
  userId: string;
  /**
   * The user a reservation named whose stream was found empty (that registration stopped
   * before recording the user). Named, not a flag: should another registration take the
   * reservation before this one commits, its holder is not the one found missing.
   */
  missingHolder?: string;
}

export const isAbandoned = (state: EmailReservationState, now: Date) =>
  state.reservedAt === undefined ||
  now.getTime() - Date.parse(state.reservedAt) >= ABANDONED_RESERVATION_MS;

/** The first reservation wins; only an abandoned one is ever replaced. */
export const emailReservation: Decider<EmailReservationState, ReserveEmail, EmailReservedEvent> = {
  initialState: () => ({}),
  evolve: (_state, event) => ({ userId: event.data.userId, reservedAt: event.data.reservedAt }),
  decide(command, state, now) {
    const reserve = (replaces?: string): EmailReservedEvent[] => [
      {
        type: 'EmailReserved',
        data: {
          userId: command.userId,
          reservedAt: now.toISOString(),
          ...(replaces && { replaces }),
        },
      },
    ];
    if (state.userId === undefined) return reserve();
    if (state.userId === command.userId) return [];
    if (command.missingHolder === state.userId && isAbandoned(state, now)) {
      return reserve(state.userId);
    }
    throw emailTaken();
  },
};

export const verificationTokenLink = lookupDecider('VerificationTokenLinked', () =>
  conflict('token_collision', 'This verification token is already in use.'),
);
