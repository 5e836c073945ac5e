import { randomUUID } from 'node:crypto';
import { acceptInvitation } from '../apps/invitations/accept-invitation/accept-invitation';
import { sendInvitation } from '../apps/invitations/send-invitation/send-invitation';
import type { Principal } from '../libs/auth/principal';
import type { CloudEvent } from '../libs/contracts';
import type { Infrastructure } from '../libs/platform/infrastructure/infrastructure';
import { memoryMails } from '../libs/testing/memory-mails';

const context = () => ({
  correlationId: randomUUID(),
  causationId: randomUUID(),
  actor: 'service:bench',
  now: new Date(),
});

/** One deferred acceptance per customer, written through the slices themselves. */
export async function deferAcceptances(infra: Infrastructure, events: CloudEvent[]): Promise<void> {
  const vendor: Principal = {
    userId: randomUUID(),
    email: 'v@example.com',
    emailVerified: true,
    accountType: 'vendor',
    companyId: randomUUID(),
  };
  const deps = {
    store: infra.eventStore,
    mails: memoryMails(),
    publicUrl: 'http://x',
  };
  for (let i = 0; i < events.length; i += 100) {
    await Promise.all(
      events.slice(i, i + 100).map(async (e) => {
        const userId = (e.data as { userId: string }).userId;
        const email = `${userId}@example.com`;
        const sent = await sendInvitation(
          deps,
          vendor,
          { email, firstName: 'C', lastName: 'D' },
          context(),
        );
        const token = new URL(sent.response.acceptUrl).searchParams.get('token')!;
        const customer: Principal = {
          userId,
          email,
          emailVerified: false,
          accountType: 'customer',
          companyId: randomUUID(),
        };
        await acceptInvitation(
          infra.eventStore,
          customer,
          sent.response.invitationId,
          token,
          context(),
        );
      }),
    );
  }
}
