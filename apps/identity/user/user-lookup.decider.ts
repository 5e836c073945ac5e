import { createHash } from 'node:crypto';
import type { Decider, DomainEvent } from '../../../libs/platform/command-handling/decider';
import { conflict, type AppError } from '../../../libs/platform/errors/app-error';

/**
 * Lookup streams map a key to one user: the email (uniqueness, login) and each
 * verification token hash (the link carries only the token). The first claim
 * wins; it is appended with expected revision `no_stream`, so of two
 * concurrent claims the second fails, re-reads and is refused.
 */
export const emailStream = (email: string) =>
  `user-email-${createHash('sha256').update(email.toLowerCase()).digest('hex')}`;
export const verificationTokenStream = (tokenHash: string) => `user-verification-${tokenHash}`;

export type LookupEvent = DomainEvent<
  'EmailReserved' | 'VerificationTokenLinked',
  { userId: string }
>;
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

export const emailReservation = lookupDecider('EmailReserved', emailTaken);

export const verificationTokenLink = lookupDecider('VerificationTokenLinked', () =>
  conflict('token_collision', 'This verification token is already in use.'),
);
