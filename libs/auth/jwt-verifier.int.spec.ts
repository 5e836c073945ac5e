import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestTokens, testUser, type TestTokens } from '../testing/test-tokens';
import { createJwtVerifier, type JwtVerifier } from './jwt-verifier';

type Answer = { status: number; body: string } | 'hang-up' | 'stall-body';

/**
 * Identity's JWKS endpoint as another service reaches it over HTTP, answering as `answer` says
 * (`answer` may be changed between requests), dropping the connection unanswered, as a server
 * stopping or a broken proxy does, or sending the headers and part of the body, then nothing.
 */
type Identity = Awaited<ReturnType<typeof jwksServer>>;

async function jwksServer(first: Answer) {
  const served = { answer: first, requests: 0 };
  const server: Server = createServer((req, res) => {
    served.requests += 1;
    const { answer } = served;
    if (answer === 'hang-up') return req.socket.destroy();
    if (answer === 'stall-body')
      return res.writeHead(200, { 'content-length': 100 }).write('{"keys"');
    res.writeHead(answer.status).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/.well-known/jwks.json`),
    serve: (answer: Answer) => (served.answer = answer),
    requests: () => served.requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('JWT verifier with identity reached over HTTP', () => {
  let tokens: TestTokens;
  let token: string;
  beforeAll(async () => {
    tokens = await createTestTokens();
    token = await tokens.mint(testUser('vendor'));
  });

  const refusal = (url: URL) =>
    createJwtVerifier(url)
      .verify(token)
      .then(
        () => undefined,
        (error: { code: string; kind: string }) => error,
      );

  describe('when nothing answers at the JWKS address', () => {
    it('answers 503 auth_unavailable, not 401: the token may be good', async () => {
      const gone = await jwksServer({ status: 200, body: '{}' });
      await gone.close(); // the port is now closed: connections are refused
      expect(await refusal(gone.url)).toMatchObject({
        kind: 'unavailable',
        code: 'auth_unavailable',
      });
    });
  });

  describe('when the JWKS address answers with an error', () => {
    it('answers 503 auth_unavailable', async () => {
      const failing = await jwksServer({ status: 500, body: 'upstream error' });
      try {
        expect(await refusal(failing.url)).toMatchObject({ code: 'auth_unavailable' });
      } finally {
        await failing.close();
      }
    });
  });

  describe('when the JWKS address drops the connection unanswered', () => {
    it('answers 503 auth_unavailable, though the error names no system call', async () => {
      const hangingUp = await jwksServer('hang-up');
      try {
        expect(await refusal(hangingUp.url)).toMatchObject({ code: 'auth_unavailable' });
      } finally {
        await hangingUp.close();
      }
    });
  });

  describe('when the key set’s answer stalls after its headers', () => {
    it('answers 503 auth_unavailable within the fetch bound, and fetches again once identity answers', async () => {
      const stalling = await jwksServer('stall-body');
      try {
        const verifier = createJwtVerifier(stalling.url, { keysFetchTimeoutMs: 200 });
        await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'auth_unavailable' });
        stalling.serve({ status: 200, body: JSON.stringify(tokens.jwks) });
        await expect(verifier.verify(token)).resolves.toMatchObject({ accountType: 'vendor' });
      } finally {
        await stalling.close();
      }
    });
  });

  describe('when identity signs with a key published after the set was fetched', () => {
    /** A verifier that has just fetched identity's set, with `use` run before identity closes. */
    const afterAFetch = async (
      use: (f: { identity: Identity; verifier: JwtVerifier }) => Promise<void>,
    ) => {
      const identity = await jwksServer({ status: 200, body: JSON.stringify(tokens.jwks) });
      try {
        // One fetch for a newer key a minute at most: enough for a test to run within it.
        const verifier = createJwtVerifier(identity.url, { newerKeyFetchMs: 60_000 });
        await verifier.verify(token);
        await use({ identity, verifier });
      } finally {
        await identity.close();
      }
    };
    /** Identity publishes a new key beside the first, and signs with it. */
    const publishNewKey = async (identity: Identity) => {
      const rotated = await createTestTokens();
      const keys = [...tokens.jwks.keys, ...rotated.jwks.keys];
      identity.serve({ status: 200, body: JSON.stringify({ keys }) });
      return rotated;
    };
    const codeOf = (verifier: JwtVerifier, t: string) =>
      verifier.verify(t).then(
        () => 'verified',
        (e: { code: string }) => e.code,
      );

    it('fetches the set again at once and verifies the token', () =>
      afterAFetch(async ({ identity, verifier }) => {
        const rotated = await publishNewKey(identity);
        const fresh = await rotated.mint(testUser('customer'));
        await expect(verifier.verify(fresh)).resolves.toMatchObject({ accountType: 'customer' });
      }));

    it('has those arriving during that fetch wait for it, and refuses those after it at once', () =>
      afterAFetch(async ({ identity, verifier }) => {
        const unknown = await (await createTestTokens()).mint(testUser('vendor'));
        const together = await Promise.all([1, 2, 3].map(() => codeOf(verifier, unknown)));
        expect(together).toEqual([
          'invalid_access_token',
          'invalid_access_token',
          'invalid_access_token',
        ]);
        expect(identity.requests()).toBe(2); // the first fetch, then one for all three
        expect(await codeOf(verifier, unknown)).toBe('invalid_access_token');
        expect(identity.requests()).toBe(2); // a set fetched that recently lacks it for good
      }));

    it('takes a token issued shortly before the fetch as possibly newer, the clocks may differ', () =>
      afterAFetch(async ({ identity, verifier }) => {
        const rotated = await publishNewKey(identity);
        const skewed = await rotated.mint(testUser('vendor'), { issuedSecondsAgo: 20 });
        await expect(verifier.verify(skewed)).resolves.toMatchObject({ accountType: 'vendor' });
      }));

    it('refuses with 401 at once a token issued well before the set was fetched', () =>
      afterAFetch(async ({ verifier }) => {
        const old = await (
          await createTestTokens()
        ).mint(testUser('vendor'), {
          issuedSecondsAgo: 600,
        });
        const codes = await Promise.all([1, 2].map(() => codeOf(verifier, old)));
        expect(codes).toEqual(['invalid_access_token', 'invalid_access_token']);
      }));
  });

  describe('when identity stops answering after its keys were fetched', () => {
    const keySet = () => ({ status: 200, body: JSON.stringify(tokens.jwks) });
    // Nothing kept between calls: every verification asks for the keys again.
    const uncached = { cacheSize: 0, cacheMaxAgeMs: 0 };

    it('goes on verifying with the last set fetched, and answers 503 for a key that set lacks', async () => {
      const identity = await jwksServer(keySet());
      const verifier = createJwtVerifier(identity.url, uncached);
      await expect(verifier.verify(token)).resolves.toMatchObject({ accountType: 'vendor' });
      await identity.close();

      await expect(verifier.verify(token)).resolves.toMatchObject({ accountType: 'vendor' });
      const newKey = await (await createTestTokens()).mint(testUser('vendor'));
      await expect(verifier.verify(newKey)).rejects.toMatchObject({ code: 'auth_unavailable' });
    });

    it('answers 503 auth_unavailable once that set is older than the stale limit', async () => {
      const identity = await jwksServer(keySet());
      const verifier = createJwtVerifier(identity.url, { ...uncached, staleKeysMaxAgeMs: 0 });
      await verifier.verify(token);
      await identity.close();
      await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'auth_unavailable' });
    });
  });

  describe('when the key set answers without the token key', () => {
    it('still refuses the token with 401 invalid_access_token', async () => {
      const other = await jwksServer({ status: 200, body: JSON.stringify({ keys: [] }) });
      try {
        expect(await refusal(other.url)).toMatchObject({
          kind: 'unauthenticated',
          code: 'invalid_access_token',
        });
      } finally {
        await other.close();
      }
    });
  });
});
