import { forbidden } from '../platform/errors/app-error';

export type AccountType = 'customer' | 'vendor';

/** Who is calling, from a verified access token. */
export interface Principal {
  userId: string;
  email: string;
  emailVerified: boolean;
  accountType: AccountType;
  companyId: string;
  /** The company's name, from tokens that carry it (`company_name`), for emails that name their sender. */
  companyName?: string;
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
  /** An addition to the contract's claims: the company's name as registered. */
  company_name?: string;
}

export const TOKEN_ISSUER = 'urn:platform:identity';
export const TOKEN_AUDIENCE = 'urn:platform:api';
