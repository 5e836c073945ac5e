import { randomUUID } from 'node:crypto';
import { testUser, type TestTokens, type TestUser } from '../../../libs/testing/test-tokens';

/**
 * Over HTTP on a running invitation service: a vendor invites a new customer
 * whose email is not verified yet, and the customer accepts, which is
 * deferred (202). Fails the test if either answer is another.
 */
export async function deferredAcceptance(
  invitationsUrl: string,
  tokens: TestTokens,
): Promise<{ customer: TestUser; invitationId: string }> {
  const call = async (path: string, as: TestUser, body: unknown) => {
    const res = await fetch(`${invitationsUrl}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await tokens.mint(as)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };
  const vendor = testUser('vendor');
  const customer = testUser('customer', {
    email: `ann-${randomUUID().slice(0, 8)}@example.com`,
    emailVerified: false,
  });
  const sent = await call('/invitations', vendor, {
    email: customer.email,
    firstName: 'Ann',
    lastName: 'Lee',
  });
  expect(sent.status).toBe(201);
  const { invitationId, acceptUrl } = sent.body;
  const token = new URL(acceptUrl).searchParams.get('token');
  expect((await call(`/invitations/${invitationId}/accept`, customer, { token })).status).toBe(202);
  return { customer, invitationId };
}
