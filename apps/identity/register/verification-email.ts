import type { Mailing } from '../../../libs/platform/infrastructure/mailing.provider';
import type { MailMessage } from '../../../libs/platform/mail/mailer';
import { verificationLink } from '../user/verification-token';

export const VERIFICATION_MAILING = Symbol('VERIFICATION_MAILING');

/** What the slices that mail a verification link (register, resend) need. */
export type VerificationMailing = Mailing;

/**
 * The email carrying the verification link; its body holds the token, so it
 * is never logged. It holds no text the registration chose: anyone may
 * register any address, and a first name of theirs ("your account is
 * suspended, see https://…") went out from the platform's own sender. It says
 * whose the account is not, and what opening the link does: an account
 * registered by someone else with this address is given it by its owner's click.
 */
export function verificationEmail(
  to: { email: string; accountType: string },
  publicUrl: string,
  token: string,
): MailMessage {
  return {
    to: to.email,
    subject: 'Confirm your email address',
    text: [
      'Hello,',
      '',
      `A ${to.accountType} account was registered with this email address. To confirm the address, open this link:`,
      '',
      verificationLink(publicUrl, token),
      '',
      'The link works for 24 hours. Open it only if you registered this account yourself: it gives the account this address. If you did not, ignore this email and the account stays unconfirmed.',
      '',
    ].join('\n'),
  };
}
