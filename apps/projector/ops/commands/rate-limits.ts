import {
  clearFailedLoginsOfAddress,
  clearFailedLoginsOfEmail,
} from '../../../identity/login/login-throttle';
import { OpsError, type OpsContext } from '../ops-context';

export interface ClearTarget {
  email?: string;
  address?: string;
  company?: string;
}

/**
 * Lifts a lockout before its window closes: an email's failed logins (from
 * every address), one client address's failed logins, or a vendor company's
 * invitation sends. The services see it at once: they count in the same store.
 */
export async function clearRateLimit(ctx: OpsContext, target: ClearTarget): Promise<void> {
  const named = Object.values(target).filter((v) => v !== undefined);
  if (named.length !== 1) throw new OpsError('name one of --email, --address or --company');
  const { logins, invitations, registrations } = ctx.rateLimits;
  if (target.email !== undefined) {
    const { email, addresses } = await clearFailedLoginsOfEmail(logins, target.email);
    ctx.out(`cleared the failed logins of ${email} from ${addresses} address(es)`);
  } else if (target.address !== undefined) {
    await clearFailedLoginsOfAddress(logins, target.address);
    await registrations.reset(target.address);
    ctx.out(`cleared the failed logins and the sign-ups from ${target.address}`);
  } else {
    await invitations.reset(target.company!);
    ctx.out(`cleared the invitation count of company ${target.company}`);
  }
}
