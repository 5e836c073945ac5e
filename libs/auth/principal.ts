import { forbidden } from '../platform/errors/app-error';

export type AccountType = 'customer' | 'vendor';

/** Who is calling, from a verified access token. */
export interface Principal {
  userId: string;
  email: string;
  emailVerified: boolean;
  accountType: AccountType;
  companyId: string;
}

export function requireAccountType(principal: Principal, type: AccountType): Principal {
  if (principal.accountType !== type) {
    throw forbidden('wrong_account_type', `This action needs a ${type} account.`);
  }
  return principal;
}

/** Claims as the contract names them (design section 5). */
export interface AccessTokenClaims {
  sub: string;
  email: string;
  email_verified: boolean;
  account_type: AccountType;
  company_id: string;
}

export const TOKEN_ISSUER = 'urn:platform:identity';
export const TOKEN_AUDIENCE = 'urn:platform:api';
