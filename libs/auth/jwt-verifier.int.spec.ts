import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestTokens, testUser, type TestTokens } from '../testing/test-tokens';
import { createJwtVerifier } from './jwt-verifier';

/**
 * Identity's JWKS endpoint as another service reaches it over HTTP, answering as `answer` says,
 * or dropping the connection unanswered, as a server stopping or a broken proxy does.
 */
async function jwksServer(answer: { status: number; body: string } | 'hang-up') {
  const server: Server = createServer((req, res) =>
    answer === 'hang-up' ? req.socket.destroy() : res.writeHead(answer.status).end(answer.body),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/.well-known/jwks.json`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
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
