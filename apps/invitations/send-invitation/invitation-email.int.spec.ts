import type { Mailer, MailMessage } from '../../../libs/platform/mail/mailer';
import {
  createTestInfrastructure,
  type TestInfrastructure,
} from '../../../libs/testing/test-infrastructure';
import { createTestTokens, testUser, type TestTokens } from '../../../libs/testing/test-tokens';
import { waitFor } from '../../../libs/testing/wait-for';
import { startInvitations, type RunningInvitations } from '../start-invitations';

/** A mailer held shut until `open()`, failing its first `failures` attempts once open. */
function gatedMailer(failures = 0) {
  const delivered: MailMessage[] = [];
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let attempts = 0;
  const mailer: Mailer = {
    async send(m) {
      await gate;
      attempts += 1;
      if (attempts <= failures) throw new Error('mail server unavailable');
      delivered.push(m);
    },
    close: () => undefined,
  };
  return { mailer, delivered, open, attempts: () => attempts };
}

describe('invitation email', () => {
  let tokens: TestTokens;
  let infra: TestInfrastructure;
  let service: RunningInvitations;
  const vendor = testUser('vendor');

  const start = async (mailer: Mailer) => {
    tokens = await createTestTokens();
    infra = await createTestInfrastructure({ jwtVerifier: tokens.verifier, mailer });
    service = await startInvitations(infra, 0);
  };
  const invite = async (email: string) => {
    const res = await fetch(`${service.url}/invitations`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await tokens.mint(vendor)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ email, firstName: 'Ann', lastName: 'Lee' }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };
  afterEach(async () => {
    await service.close();
    await infra.close();
  });

  describe('when the mail server is slow', () => {
    it('answers before the email is delivered, and delivers it afterwards', async () => {
      const mail = gatedMailer();
      await start(mail.mailer);
      const reply = await invite('slow@example.com');
      expect(reply.status).toBe(201);
      expect(mail.delivered).toEqual([]);
      mail.open();
      const delivered = await waitFor(() => mail.delivered[0]);
      expect(delivered.text).toContain(reply.body.acceptUrl);
    });
  });

  describe('when a delivery fails', () => {
    it('tries again', async () => {
      const mail = gatedMailer(1);
      await start(mail.mailer);
      mail.open();
      const reply = await invite('retry@example.com');
      const delivered = await waitFor(() => mail.delivered[0]);
      expect(delivered.text).toContain(reply.body.acceptUrl);
      expect(mail.attempts()).toBe(2);
    });
  });

  describe('when the service stops while an email waits for its retry', () => {
    it('delivers it before it has stopped, without waiting out the retry delay', async () => {
      const mail = gatedMailer(1);
      await start(mail.mailer);
      mail.open();
      const reply = await invite('queued@example.com');
      await waitFor(() => mail.attempts() === 1);
      await service.close();
      expect(mail.delivered.map((m) => m.to)).toEqual(['queued@example.com']);
      expect(mail.delivered[0].text).toContain(reply.body.acceptUrl);
    });
  });
});
