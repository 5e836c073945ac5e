import { handleCommand } from '../../../libs/platform/command-handling/command-handler';
import { emailsUnwanted } from '../../../libs/testing/emails-unwanted';
import { mailServerDown } from '../../../libs/testing/mail-server-down';
import { waitFor } from '../../../libs/testing/wait-for';
import { invitationDecider } from '../invitation/decide';
import type { InvitationCommand } from '../invitation/invitation.commands';
import { invitationStream } from '../invitation/invitation.events';
import { hashToken, newInvitationToken } from '../invitation/invitation-token';
import {
  startInvitationsTestApp,
  testUser,
  type InvitationsTestApp,
} from '../testing/invitations-test-app';

const dropped = () => emailsUnwanted('invitations');

describe('invitation email while a mail server is down', () => {
  const vendor = testUser('vendor');
  const { mailer, tried } = mailServerDown();
  const tries = () => tried.map((m) => m.to);
  let app: InvitationsTestApp;

  beforeAll(async () => {
    app = await startInvitationsTestApp({ mailer });
  });
  afterAll(() => app.close());

  /** An invitation to `email` whose email has failed once and waits for its retry. */
  async function waitingEmail(email: string) {
    const { invitationId } = await app.invite(vendor, { email });
    await waitFor(() => tries().includes(email));
    return invitationId;
  }

  /** Records `command` as another instance of the service would: this one is not told. */
  const elsewhere = (invitationId: string, command: InvitationCommand) =>
    handleCommand(
      app.infra.eventStore,
      invitationDecider,
      invitationStream(invitationId),
      command,
      {
        correlationId: 'other-instance',
        causationId: 'other-instance',
        actor: vendor.userId,
        now: new Date(),
      },
    );

  /** Waits for one more email dropped, then shows `email` was tried at most once more. */
  async function expectDropped(email: string, before: number) {
    await waitFor(async () => (await dropped()) === before + 1, { message: 'the email dropped' });
    expect(tries().filter((to) => to === email).length).toBeLessThanOrEqual(2);
  }

  describe('when its invitation is cancelled here', () => {
    it('drops the email, which would name the vendor to someone it no longer concerns', async () => {
      const invitationId = await waitingEmail('cancelled-here@example.com');
      const before = await dropped();
      await app.call('POST', `/invitations/${invitationId}/cancel`, { as: vendor });
      await expectDropped('cancelled-here@example.com', before);
    });
  });

  describe('when another instance cancels its invitation', () => {
    it('drops the email all the same', async () => {
      const invitationId = await waitingEmail('cancelled-there@example.com');
      const before = await dropped();
      await elsewhere(invitationId, {
        type: 'CancelInvitation',
        vendorId: vendor.companyId,
        cancelledBy: vendor.userId,
      });
      await expectDropped('cancelled-there@example.com', before);
    });
  });

  describe('when another instance resends the invitation', () => {
    it('drops the email with the superseded link, which would answer 410', async () => {
      const invitationId = await waitingEmail('resent-there@example.com');
      const before = await dropped();
      await elsewhere(invitationId, {
        type: 'ResendInvitation',
        vendorId: vendor.companyId,
        tokenHash: hashToken(newInvitationToken()),
        expiresInDays: 7,
      });
      await expectDropped('resent-there@example.com', before);
    });
  });
});
