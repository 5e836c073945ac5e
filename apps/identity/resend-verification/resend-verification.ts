import {
  handleCommand,
  type CommandContext,
} from '../../../libs/platform/command-handling/command-handler';
import { verificationEmail, type VerificationMailing } from '../register/verification-email';
import { findUserByEmail } from '../user/find-user';
import { userDecider, userStream } from '../user/user.decider';
import { verificationTokenLink, verificationTokenStream } from '../user/user-lookup.decider';
import { newVerificationToken } from '../user/verification-token';

/**
 * Issues a new verification link to an unverified user and mails it; the
 * earlier link stops working. Unknown or verified emails, and requests within
 * the resend interval, change nothing, and the caller answers alike for all.
 * Returns whether an email went out.
 */
export async function resendVerification(
  deps: VerificationMailing,
  email: string,
  ctx: CommandContext,
): Promise<boolean> {
  const user = await findUserByEmail(deps.store, email);
  if (!user || user.verifiedAt) return false;
  const { token, tokenHash } = newVerificationToken();
  const context = { ...ctx, actor: `user:${user.userId}` };
  // Linked first, as at registration: a crash in between leaves an unused link and the
  // earlier token still working, never a token the user cannot use.
  await handleCommand(
    deps.store,
    verificationTokenLink,
    verificationTokenStream(tokenHash),
    { userId: user.userId },
    context,
  );
  const { events } = await handleCommand(
    deps.store,
    userDecider,
    userStream(user.userId),
    { type: 'IssueEmailVerification', tokenHash },
    context,
  );
  if (events.length === 0) return false;
  await deps.mails.enqueue(
    verificationEmail(user, deps.publicUrl, token),
    `verification for user ${user.userId}`,
  );
  return true;
}
