/**
 * `npm run demo`: the whole story against a running system (`npm start` on the
 * embedded defaults), printed step by step. Tokens that users would get by
 * email are read from the outbox directory (`DATA_DIR/outbox`).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

const identity =
  process.env.IDENTITY_URL ?? `http://127.0.0.1:${process.env.IDENTITY_PORT ?? 3001}`;
const invitations =
  process.env.INVITATIONS_URL ?? `http://127.0.0.1:${process.env.INVITATIONS_PORT ?? 3002}`;
const query = process.env.QUERY_URL ?? `http://127.0.0.1:${process.env.QUERY_PORT ?? 3003}`;
const outbox = join(process.env.DATA_DIR ?? './data', 'outbox');
const run = randomUUID().slice(0, 6);

let step = 0;
const say = (text: string) => console.log(`\n${++step}. ${text}`);
const show = (label: string, value: unknown) =>
  console.log(`   ${label}: ${JSON.stringify(value)}`);

async function call(
  method: string,
  url: string,
  body?: unknown,
  token?: string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(url, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  console.log(`   ${method} ${url.replace(/^https?:\/\/[^/]+/, '')} → ${res.status}`);
  if (res.status >= 400) throw new Error(`${json.code ?? res.status}: ${json.detail ?? ''}`);
  return { status: res.status, json, position: res.headers.get('x-event-position') ?? undefined };
}

/** The token in the newest outbox mail to `email` whose link contains `path`. */
async function tokenFromOutbox(email: string, path: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const names = await readdir(outbox).catch(() => [] as string[]);
    const files = names
      .filter((f) => f.endsWith('.eml'))
      .sort()
      .reverse();
    for (const f of files) {
      const text = (await readFile(join(outbox, f), 'utf8'))
        .replace(/=\r?\n/g, '')
        .replace(/=3D/g, '=');
      const match = new RegExp(`${path}\\?token=([\\w-]+)`).exec(text);
      if (match && text.includes(email)) return match[1];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${email} in ${outbox}`);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function main() {
  const vendorEmail = `vera-${run}@vendor.example`;
  const customerEmail = `carl-${run}@customer.example`;

  say(`A vendor registers (${vendorEmail}) and logs in`);
  const vendor = (
    await call('POST', `${identity}/auth/register`, {
      email: vendorEmail,
      password: 'correct-horse',
      accountType: 'vendor',
      companyName: 'Vendor Ltd',
    })
  ).json;
  const vendorToken = (
    await call('POST', `${identity}/auth/login`, { email: vendorEmail, password: 'correct-horse' })
  ).json.accessToken as string;

  say(`The vendor invites ${customerEmail}`);
  const sent = await call(
    'POST',
    `${invitations}/invitations`,
    {
      email: customerEmail,
      firstName: 'Carl',
      lastName: 'Doe',
      customerNumber: `C-${run}`,
    },
    vendorToken,
  );
  const invitationId = sent.json.invitationId as string;
  show('invitation', { invitationId, status: sent.json.status, expiresAt: sent.json.expiresAt });
  const inviteToken = await tokenFromOutbox(customerEmail, `/invitations/${invitationId}/accept`);
  console.log('   the invitation email with the accept link is in the outbox');

  say('The customer registers (email not verified yet) and logs in');
  await call('POST', `${identity}/auth/register`, {
    email: customerEmail,
    password: 'battery-staple',
    accountType: 'customer',
    companyName: 'Customer GmbH',
  });
  const customerToken = (
    await call('POST', `${identity}/auth/login`, {
      email: customerEmail,
      password: 'battery-staple',
    })
  ).json.accessToken as string;

  say('The customer accepts: it waits for the email verification');
  const accepted = await call(
    'POST',
    `${invitations}/invitations/${invitationId}/accept`,
    { token: inviteToken },
    customerToken,
  );
  show('answer', accepted.json);

  say('The customer verifies the email; identity announces EmailVerified on the bus');
  const verifyToken = await tokenFromOutbox(customerEmail, '/verify-email');
  await call('POST', `${identity}/auth/verify-email`, { token: verifyToken });

  say('The invitation service completes the deferred acceptance');
  const invitation = await until('the acceptance', async () => {
    const r = await fetch(`${invitations}/invitations/${invitationId}`, {
      headers: { authorization: `Bearer ${vendorToken}` },
    });
    const body = (await r.json()) as Record<string, unknown>;
    return body.status === 'accepted' ? body : undefined;
  });
  show('invitation', {
    status: invitation.status,
    acceptedAt: invitation.acceptedAt,
    customerCompanyId: invitation.customerCompanyId,
  });

  say('The vendor sees the new customer and the accepted invitation');
  const vendorId = vendor.companyId as string;
  const customers = await until('the relationship read model', async () => {
    const r = await call('GET', `${query}/vendors/${vendorId}/customers`, undefined, vendorToken);
    const items = r.json.items as unknown[];
    return items.length ? items : undefined;
  });
  show('customers', customers);
  const list = await call(
    'GET',
    `${query}/vendors/${vendorId}/invitations?status=accepted`,
    undefined,
    vendorToken,
  );
  show(
    'accepted invitations',
    (list.json.items as Array<Record<string, unknown>>).map((i) => ({
      invitationId: i.invitationId,
      email: i.email,
      status: i.status,
    })),
  );
  console.log('\nDone.');
}

main().catch((error) => {
  console.error(`\ndemo failed: ${(error as Error).message}`);
  process.exit(1);
});
