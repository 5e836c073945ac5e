import { randomUUID } from 'node:crypto';
import type { AccountType } from '../../../libs/auth/principal';
import {
  handleCommand,
  loadState,
  type CommandContext,
} from '../../../libs/platform/command-handling/command-handler';
import { hashPassword } from '../user/password';
import { userDecider, userStream } from '../user/user.decider';
import {
  emailReservation,
  emailStream,
  emailTaken,
  isAbandoned,
  verificationTokenLink,
  verificationTokenStream,
} from '../user/user-lookup.decider';
import { newVerificationToken } from '../user/verification-token';
import { verificationEmail, type VerificationMailing } from './verification-email';

export interface RegisterInput {
  /** Already lower-cased. */
  email: string;
  password: string;
  accountType: AccountType;
  companyName: string;
  firstName?: string;
  lastName?: string;
}

/**
 * Reserves the email first (the first reservation wins, the other is refused
 * with `email_taken` before anything else is written), links the verification
 * token to the user, then records the user. A crash between these steps leaves
 * at most a reservation or a link without a user, never a user without them;
 * a reservation left without its user is taken over by the next registration
 * once it is `ABANDONED_RESERVATION_MS` old.
 */
export async function registerUser(
  deps: VerificationMailing,
  input: RegisterInput,
  ctx: CommandContext,
) {
  const reservation = emailStream(input.email);
  // Cheap early refusal; the reservation below is what decides under concurrency.
  const { state: reserved } = await loadState(deps.store, emailReservation, reservation);
  const reservedUserMissing =
    reserved.userId !== undefined &&
    !(await loadState(deps.store, userDecider, userStream(reserved.userId))).exists;
  if (reserved.userId && !(reservedUserMissing && isAbandoned(reserved, ctx.now))) {
    throw emailTaken();
  }

  const userId = randomUUID();
  const companyId = randomUUID();
  const passwordHash = await hashPassword(input.password);
  const { token, tokenHash } = newVerificationToken();
  const context = { ...ctx, actor: `user:${userId}` };

  await handleCommand(
    deps.store,
    emailReservation,
    reservation,
    { userId, reservedUserMissing },
    context,
  );
  await handleCommand(
    deps.store,
    verificationTokenLink,
    verificationTokenStream(tokenHash),
    { userId },
    context,
  );
  const { password: _password, ...profile } = input;
  const { position } = await handleCommand(
    deps.store,
    userDecider,
    userStream(userId),
    {
      type: 'RegisterUser',
      ...profile,
      userId,
      companyId,
      passwordHash,
      verificationTokenHash: tokenHash,
    },
    context,
  );

  await deps.mails.enqueue(
    verificationEmail(input, deps.publicUrl, token),
    `verification for user ${userId}`,
  );

  return {
    response: {
      userId,
      companyId,
      accountType: input.accountType,
      email: input.email,
      emailVerified: false as const,
    },
    position,
  };
}
