import {
  handleCommands,
  onStream,
  type CommandContext,
} from '../../../libs/platform/command-handling/command-handler';
import { recordThenMail } from '../../../libs/platform/mail/record-then-mail';
import { verificationEmail, type VerificationMailing } from '../register/verification-email';
import { findUserByEmail } from '../user/find-user';
import { userDecider, userStream } from '../user/user.decider';
import { verificationTokenLink, verificationTokenStream } from '../user/user-lookup.decider';
import { newVerificationToken } from '../user/verification-token';

/**
 * Issues a new verification link to an unverified user and mails it; earlier
 * links keep working until they expire. Unknown or verified emails, requests
 * within the resend interval and accounts holding the most live links change
 * nothing, and the caller answers alike for all.
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
  // The new token's link and its issue on the user are one commit: no link without its issue.
  const stream = userStream(user.userId);
  const mail = () => ({
    message: verificationEmail(user, deps.publicUrl, token),
    label: `verification for user ${user.userId}`,
    proof: { stream, tokenHash },
  });
  const issuing = (events: unknown[]) => events.length > 0;
  const [issued] = await recordThenMail(
    deps.mails,
    mail,
    (writeDown) =>
      handleCommands(
        deps.store,
        async (load) => {
          const issue = { type: 'IssueEmailVerification' as const, tokenHash };
          const { state } = await load(userDecider, stream);
          const link = onStream(verificationTokenLink, verificationTokenStream(tokenHash), {
            userId: user.userId,
          });
          const linked = issuing(userDecider.decide(issue, state, context.now));
          return [onStream(userDecider, stream, issue), ...(linked ? [link] : [])];
        },
        context,
        writeDown,
      ),
    ([result]) => issuing(result.events),
  );
  return issuing(issued.events);
}
