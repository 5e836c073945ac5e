import { invitationEmail } from './invitation-email';

describe('the invitation email', () => {
  const to = { email: 'ann@example.com', firstName: 'Ann' };
  const link = 'https://app.example.test/invitations/i-1/accept?token=t';

  describe('when the vendor’s name holds layout characters', () => {
    it('names it on one line, in the subject and the text', () => {
      const mail = invitationEmail(to, link, '2026-12-06T10:00:00.000Z', 'Acme\u202eLtd\n');
      expect(mail.subject).toBe('Acme Ltd invites you to connect');
      expect(mail.text).toContain('Acme Ltd invites you to connect your customer account.');
    });
  });

  describe('when the vendor’s name is not known', () => {
    it('says a vendor invites', () => {
      const mail = invitationEmail(to, link, '2026-12-06T10:00:00.000Z');
      expect(mail.subject).toBe('You are invited to connect with a vendor');
      expect(mail.text).toContain('A vendor invites you');
    });
  });
});
