import type { AccountType, Principal } from '../../../libs/auth/principal';
import { forbidden } from '../../../libs/platform/errors/app-error';

/** A vendor token reads only its own company's lists, a customer token only its own. */
export function requireOwnCompany(
  principal: Principal,
  accountType: AccountType,
  companyId: string,
): void {
  if (principal.accountType !== accountType) {
    throw forbidden('wrong_account_type', `This list needs a ${accountType} account.`);
  }
  if (principal.companyId !== companyId) {
    throw forbidden('forbidden_company', 'A token may read only its own company.');
  }
}
