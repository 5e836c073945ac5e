import type { Mailing } from '../../../libs/platform/infrastructure/mailing.provider';
import type { MailMessage } from '../../../libs/platform/mail/mailer';
import { verificationLink } from '../user/verification-token';

export const VERIFICATION_MAILING = Symbol('VERIFICATION_MAILING');

/** What the slices that mail a verification link (register, resend) need. */
export type VerificationMailing = Mailing;

/** The email carrying the verification link; its body holds the token, so it is never logged. */
export function verificationEmail(
  to: { email: string; firstName?: string },
  publicUrl: string,
  token: string,
): MailMessage {
  const greeting = to.firstName ? `Hello ${to.firstName},` : 'Hello,';
  return {
    to: to.email,
    subject: 'Confirm your email address',
    text: [
      greeting,
      '',
      'Please confirm your email address by opening this link:',
      '',
      verificationLink(publicUrl, token),
      '',
      'The link works for 24 hours. If you did not create an account, you can ignore this email.',
      '',
    ].join('\n'),
  };
}
