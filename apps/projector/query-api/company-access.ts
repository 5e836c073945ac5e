import { ApiForbiddenResponse } from '@nestjs/swagger';
import type { AccountType, Principal } from '../../../libs/auth/principal';
import { forbidden } from '../../../libs/platform/errors/app-error';

/** Documents the 403s of `ownCompany`. */
export const ApiOwnCompanyOnly = () =>
  ApiForbiddenResponse({
    description:
      '`wrong_account_type` (the other account type), or `forbidden_company` (another company)',
  });

/**
 * A vendor token reads only its own company's lists, a customer token only its
 * own. Company ids are UUIDs, read in any case as the invitations service reads
 * its ids; the token's spelling is the one the read models hold, so it is returned.
 */
export function ownCompany(
  principal: Principal,
  accountType: AccountType,
  companyId: string,
): string {
  if (principal.accountType !== accountType) {
    throw forbidden('wrong_account_type', `This list needs a ${accountType} account.`);
  }
  if (principal.companyId.toLowerCase() !== companyId.toLowerCase()) {
    throw forbidden('forbidden_company', 'A token may read only its own company.');
  }
  return principal.companyId;
}
