import type { EventStore } from '../../../libs/event-store';
import {
  handleCommand,
  loadState,
  type CommandContext,
} from '../../../libs/platform/command-handling/command-handler';
import { invalidToken, userDecider, userStream } from '../user/user.decider';
import { verificationTokenLink, verificationTokenStream } from '../user/user-lookup.decider';
import { hashToken } from '../user/verification-token';

/** Finds the user the token was issued to, then lets the user's decider judge it. */
export async function verifyEmail(store: EventStore, token: string, ctx: CommandContext) {
  const tokenHash = hashToken(token);
  const { state: link } = await loadState(
    store,
    verificationTokenLink,
    verificationTokenStream(tokenHash),
  );
  if (!link.userId) throw invalidToken();
  const { userId } = link;
  const { position } = await handleCommand(
    store,
    userDecider,
    userStream(userId),
    { type: 'VerifyEmail', tokenHash },
    { ...ctx, actor: `user:${userId}` },
  );
  return { response: { userId, emailVerified: true as const }, position };
}
