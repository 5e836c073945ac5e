import { IntegrationEventTypes, type CloudEvent } from '../../../libs/contracts';
import { SqliteEventStore } from '../../../libs/event-store/sqlite/sqlite-event-store';
import type { Broker } from '../../../libs/messaging';
import type { CommandContext } from '../../../libs/platform/command-handling/command-handler';
import { memoryMails } from '../../../libs/testing/memory-mails';
import { registerUser, type RegisterInput } from '../register/register-user';

export const PUBLIC_URL = 'https://app.test';

/** An in-memory event store, a mailbox, and shortcuts for the identity use cases. */
export function identityFixture() {
  const store = new SqliteEventStore(':memory:');
  const mails = memoryMails();
  const { sent } = mails;

  const context = (now = new Date()): CommandContext => ({
    correlationId: 'corr-1',
    causationId: 'corr-1',
    actor: 'anonymous',
    now,
  });

  /** What the mailing use cases need, with the fixture's mailbox (as the queue takes them). */
  const mailing = () => ({ store, mails, publicUrl: PUBLIC_URL });

  const register = (input: Partial<RegisterInput> & { email: string }, now?: Date) =>
    registerUser(
      mailing(),
      { password: 'correct horse', accountType: 'customer', companyName: 'Ann Ltd', ...input },
      context(now),
    );

  /** The token from the last verification link sent to `email`. */
  const tokenSentTo = (email: string) => {
    const mail = sent.filter((m) => m.to === email).at(-1);
    const token = mail && /\/verify-email\?token=([\w-]+)/.exec(mail.text)?.[1];
    if (!token) throw new Error(`no verification link sent to ${email}`);
    return token;
  };

  return {
    store,
    sent,
    /** Every email written down before its command's commit. */
    intended: mails.intended,
    context,
    mailing,
    register,
    tokenSentTo,
    close: () => store.close(),
  };
}

/** Every `identity.email-verified.v1` the bus carries, from a queue of the test's own. */
export async function announcedEmailVerified(broker: Broker, queue: string): Promise<CloudEvent[]> {
  const announced: CloudEvent[] = [];
  await broker.consume({
    queue,
    bindingKeys: [IntegrationEventTypes.emailVerified],
    prefetch: 10,
    maxRetries: 0,
    retryDelayMs: 10,
    handle: async (event) => void announced.push(event),
  });
  return announced;
}
