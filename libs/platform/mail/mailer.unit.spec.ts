import { destinationOf } from './mailer';

describe('destinationOf', () => {
  describe('when SMTP_URL holds a user and password', () => {
    it('names the setting and the server, the credentials hidden', () => {
      expect(
        destinationOf({
          smtpUrl: 'smtps://mailer:p@ss/w0rd@mail.example:465',
          outboxDir: '/data/outbox',
          from: 'x@y.z',
        }),
      ).toBe('SMTP_URL: the mail server at smtps://***@mail.example:465');
    });
  });

  describe('when SMTP_URL is unset', () => {
    it('names the outbox emails are written to', () => {
      expect(destinationOf({ outboxDir: '/data/outbox', from: 'x@y.z' })).toBe(
        'the outbox at /data/outbox (SMTP_URL unset)',
      );
    });
  });
});
