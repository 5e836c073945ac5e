import {
  clearFailedLoginsOfAddress,
  clearFailedLoginsOfEmail,
} from '../../../identity/login/login-throttle';
import { clientAddress } from '../../../../libs/platform/http/client-address';
import { OpsError, type OpsContext } from '../ops-context';

export interface ClearTarget {
  email?: string;
  address?: string;
  company?: string;
}

/**
 * Lifts a lockout before its window closes: an email's failed logins (from
 * every address), one client address's failed logins (on every email) and
 * sign-ups, or a vendor company's invitation sends. The services see it at
 * once: they count in the same store.
 * Says how many counters went, and plainly when none did: a mistyped target
 * clears nothing.
 */
export async function clearRateLimit(ctx: OpsContext, target: ClearTarget): Promise<void> {
  const named = Object.values(target).filter((v) => v !== undefined);
  if (named.length !== 1) throw new OpsError('name one of --email, --address or --company');
  const { logins, invitations, registrations } = ctx.rateLimits;
  if (target.email !== undefined) {
    const { email, addresses } = await clearFailedLoginsOfEmail(logins, target.email);
    ctx.out(
      addresses
        ? `cleared the failed logins of ${email} from ${addresses} address(es)`
        : `nothing to clear: no failed logins of ${email} are counted`,
    );
  } else if (target.address !== undefined) {
    // Counted as the services count a client: an IPv6 address by its /64, which may be given.
    const address = clientAddress(target.address);
    const failedLogins = await clearFailedLoginsOfAddress(logins, address);
    const signUps = Number(await registrations.reset(address));
    const kinds = [failedLogins && 'failed logins', signUps && 'sign-ups'].filter(Boolean);
    ctx.out(
      kinds.length
        ? `cleared ${failedLogins + signUps} counter(s) from ${address}: ${kinds.join(', ')}`
        : `nothing to clear: no failed logins or sign-ups from ${address} are counted`,
    );
  } else {
    // Company ids are UUIDs, counted as tokens carry them: in lower case.
    const company = target.company!.toLowerCase();
    ctx.out(
      (await invitations.reset(company))
        ? `cleared 1 counter(s) of company ${company}: invitation sends`
        : `nothing to clear: no invitation sends of company ${company} are counted`,
    );
  }
}
