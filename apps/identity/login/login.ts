import type { EventStore } from '../../../libs/event-store';
import { unauthenticated } from '../../../libs/platform/errors/app-error';
import { signAccessToken } from '../keys/access-token';
import type { SigningKey } from '../keys/signing-key';
import { verifyAgainstDummy, verifyPassword } from '../user/password';
import { findUserByEmail } from '../user/find-user';

export interface LoginDeps {
  store: EventStore;
  key: SigningKey;
  ttlSeconds: number;
}

/**
 * Checks the password and issues an access token whose claims, including
 * `email_verified`, are read from the user's stream now. An unknown email costs
 * the same password work and gets the same answer as a wrong password.
 */
export async function login(deps: LoginDeps, email: string, password: string, now: Date) {
  const user = await findUserByEmail(deps.store, email);
  const ok = user
    ? await verifyPassword(password, user.passwordHash)
    : await verifyAgainstDummy(password);
  if (!user || !ok) throw unauthenticated('invalid_credentials', 'The email or password is wrong.');
  const accessToken = await signAccessToken(
    deps.key,
    {
      sub: user.userId,
      email: user.email,
      email_verified: user.verifiedAt !== undefined,
      account_type: user.accountType,
      company_id: user.companyId,
      company_name: user.companyName,
    },
    now,
    deps.ttlSeconds,
  );
  return { accessToken, tokenType: 'Bearer' as const, expiresIn: deps.ttlSeconds };
}
