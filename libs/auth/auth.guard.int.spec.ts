import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '../platform/http/create-http-app';
import { createTestTokens, testUser, type TestTokens } from '../testing/test-tokens';
import { AuthGuard, CurrentPrincipal } from './auth.guard';
import { JWT_VERIFIER } from './jwt-verifier';
import type { Principal } from './principal';

@Controller('mine')
@UseGuards(AuthGuard)
class MineController {
  @Get()
  mine(@CurrentPrincipal() caller: Principal) {
    return { userId: caller.userId };
  }
}

@Module({})
class ProbeModule {}

describe('AuthGuard', () => {
  let tokens: TestTokens;
  let app: NestFastifyApplication;
  let base: string;
  beforeAll(async () => {
    tokens = await createTestTokens();
    app = await createHttpApp(
      {
        module: ProbeModule,
        controllers: [MineController],
        providers: [{ provide: JWT_VERIFIER, useValue: tokens.verifier }],
      },
      { title: 'probe', logger: false },
    );
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(() => app.close());

  const mine = async (authorization?: string) => {
    const res = await fetch(`${base}/mine`, authorization ? { headers: { authorization } } : {});
    return { res, body: (await res.json()) as Record<string, unknown> };
  };

  describe('when no bearer token is sent', () => {
    it('answers 401 with a Bearer challenge in WWW-Authenticate only', async () => {
      for (const authorization of [undefined, 'Basic dTpw', 'Bearer']) {
        const { res, body } = await mine(authorization);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect(body).toMatchObject({ code: 'unauthenticated' });
        expect(body).not.toHaveProperty('wwwAuthenticate');
      }
    });
  });

  describe('when the token is refused', () => {
    it('answers 401 with an invalid_token challenge', async () => {
      const other = await createTestTokens();
      for (const token of ['a.b.c', await other.mint(testUser('vendor'))]) {
        const { res, body } = await mine(`Bearer ${token}`);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
        expect(body).toMatchObject({ code: 'invalid_access_token' });
      }
    });
  });

  describe('when the token is valid', () => {
    it('lets the caller through', async () => {
      const user = testUser('vendor');
      const { res, body } = await mine(`Bearer ${await tokens.mint(user)}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('www-authenticate')).toBeNull();
      expect(body).toEqual({ userId: user.userId });
    });
  });
});
