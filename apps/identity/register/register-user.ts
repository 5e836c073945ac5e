import { randomUUID } from 'node:crypto';
import type { AccountType } from '../../../libs/auth/principal';
import {
  handleCommands,
  loadState,
  onStream,
  type CommandContext,
} from '../../../libs/platform/command-handling/command-handler';
import { recordThenMail } from '../../../libs/platform/mail/record-then-mail';
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
 * Reserves the email (the first reservation wins, the other is refused with
 * `email_taken`), links the verification token to the user and records the
 * user, all in one commit: a crash leaves all three or none. Reservations
 * recorded before they shared the user's commit may lack their user; such a
 * one is taken over by the next registration once it is
 * `ABANDONED_RESERVATION_MS` old.
 */
export async function registerUser(
  deps: VerificationMailing,
  input: RegisterInput,
  ctx: CommandContext,
) {
  const reservation = emailStream(input.email);
  // Cheap early refusal; the reservation below is what decides under concurrency.
  const { state: reserved } = await loadState(deps.store, emailReservation, reservation);
  const missingHolder =
    reserved.userId !== undefined &&
    !(await loadState(deps.store, userDecider, userStream(reserved.userId))).exists
      ? reserved.userId
      : undefined;
  if (reserved.userId && !(missingHolder && isAbandoned(reserved, ctx.now))) throw emailTaken();

  const userId = randomUUID();
  const companyId = randomUUID();
  const passwordHash = await hashPassword(input.password);
  const { token, tokenHash } = newVerificationToken();
  const context = { ...ctx, actor: `user:${userId}` };

  const { password: _password, ...profile } = input;
  const register = {
    type: 'RegisterUser' as const,
    ...profile,
    userId,
    companyId,
    passwordHash,
    verificationTokenHash: tokenHash,
  };
  const mail = () => ({
    message: verificationEmail(input, deps.publicUrl, token),
    label: `verification for user ${userId}`,
    proof: { stream: userStream(userId), tokenHash },
  });
  const recorded = await recordThenMail(deps.mails, mail, (writeDown) =>
    handleCommands(
      deps.store,
      () => [
        onStream(emailReservation, reservation, { userId, missingHolder }),
        onStream(verificationTokenLink, verificationTokenStream(tokenHash), { userId }),
        onStream(userDecider, userStream(userId), register),
      ],
      context,
      writeDown,
    ),
  );
  const { position } = recorded[recorded.length - 1];

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
