import type { MailMessage } from '../../../libs/platform/mail/mailer';
import { asOneLine } from '../../../libs/platform/validation/single-line';

/** What names an invitation's email in the mail queue and its log lines (never the token). */
export const invitationMailLabel = (invitationId: string) => `invitation ${invitationId}`;

/** The link the front end serves; it posts the token to the accept route. A GET on it changes nothing. */
export function acceptUrl(publicUrl: string, invitationId: string, token: string): string {
  return `${publicUrl}/invitations/${invitationId}/accept?token=${encodeURIComponent(token)}`;
}

/**
 * The invitation email; its body carries the token, so it is never logged. It names the
 * vendor's company when the vendor's token carries its name (`company_name`).
 */
export function invitationEmail(
  to: { email: string; firstName: string; businessName?: string },
  link: string,
  expiresAt: string,
  vendorName?: string,
): MailMessage {
  // From the vendor's token: checked at registration, but a name recorded before a check was added
  // (a right-to-left override, say) would otherwise reach the subject line.
  const vendor = vendorName && asOneLine(vendorName);
  const business = to.businessName ? ` for ${to.businessName}` : '';
  return {
    to: to.email,
    subject: vendor
      ? `${vendor} invites you to connect`
      : 'You are invited to connect with a vendor',
    text: [
      `Hello ${to.firstName},`,
      '',
      `${vendor || 'A vendor'} invites you to connect your customer account${business}.`,
      'Log in (or register) as a customer and accept the invitation here:',
      '',
      link,
      '',
      `The invitation is valid until ${expiresAt}. If you did not expect it, you can ignore this email.`,
      '',
    ].join('\n'),
  };
}
