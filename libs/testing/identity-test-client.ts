import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AccountType } from '../auth/principal';
import { waitFor } from './wait-for';
import { escapeRegExp } from '../platform/text/escape-reg-exp';

/** A user registered through identity's HTTP API, with an access token from its login. */
export interface IdentityTestUser {
  userId: string;
  companyId: string;
  email: string;
  password: string;
  accountType: AccountType;
  accessToken: string;
}

export interface SignUpOptions {
  accountType: AccountType;
  email?: string;
  password?: string;
  companyName?: string;
  /**
   * Verify the email before logging in, reading the token with this function
   * (e.g. `(email) => verificationTokenFromOutbox(outboxDir, email)` or from a
   * test SMTP server). Omitted: the user stays unverified.
   */
  readVerificationToken?: (email: string) => Promise<string>;
}

/**
 * Registers, optionally verifies, and logs in against a running identity
 * service, so other services' tests get real identity-issued tokens.
 */
export async function signUp(
  identityUrl: string,
  options: SignUpOptions,
): Promise<IdentityTestUser> {
  const email = options.email ?? `${options.accountType}-${randomUUID().slice(0, 8)}@example.com`;
  const password = options.password ?? 'correct horse battery';
  const { userId, companyId } = await postJson<{ userId: string; companyId: string }>(
    `${identityUrl}/auth/register`,
    {
      email,
      password,
      accountType: options.accountType,
      companyName: options.companyName ?? 'Acme',
    },
  );
  if (options.readVerificationToken) {
    const token = await options.readVerificationToken(email);
    await postJson(`${identityUrl}/auth/verify-email`, { token });
  }
  const { accessToken } = await logIn(identityUrl, email, password);
  return { userId, companyId, email, password, accountType: options.accountType, accessToken };
}

export const logIn = (identityUrl: string, email: string, password: string) =>
  postJson<{ accessToken: string }>(`${identityUrl}/auth/login`, { email, password });

/** The token in a verification link (`…/verify-email?token=<token>`) within a mail's text. */
export function verificationTokenIn(text: string): string | undefined {
  return /\/verify-email\?token=([\w-]+)/.exec(
    text.replace(/=\r?\n/g, '').replace(/=3D/g, '='),
  )?.[1];
}

/** Waits for the verification mail to `email` in the embedded mailer's outbox (`<dataDir>/outbox`). */
export function verificationTokenFromOutbox(outboxDir: string, email: string): Promise<string> {
  return waitFor(
    async () => {
      const names = await readdir(outboxDir).catch(() => [] as string[]);
      // Only whole messages: one being written has a hidden temporary name.
      for (const name of names
        .filter((n) => n.endsWith('.eml'))
        .sort()
        .reverse()) {
        const mail = await readFile(join(outboxDir, name), 'utf8');
        if (new RegExp(`^To: .*${escapeRegExp(email)}`, 'im').test(mail))
          return verificationTokenIn(mail);
      }
      return undefined;
    },
    { message: `a verification mail to ${email} in ${outboxDir}` },
  );
}

async function postJson<T = unknown>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${url} → ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}
