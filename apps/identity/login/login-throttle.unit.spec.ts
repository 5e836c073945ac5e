import { AppError, unauthenticated } from '../../../libs/platform/errors/app-error';
import { loginThrottle, throttledLogin } from './login-throttle';

describe('throttledLogin', () => {
  let now = 0;
  const throttle = () =>
    loginThrottle(
      {
        invitationsPerMinute: 1,
        loginMaxFailedAttempts: 2,
        loginLockoutSeconds: 60,
        loginMaxFailedAttemptsPerIp: 5,
        registrationsPerHour: 1,
      },
      undefined,
      () => now,
    );
  const pair = { email: 'ann@example.com', ip: '203.0.113.7' };
  const wrongPassword = () =>
    Promise.reject(unauthenticated('invalid_credentials', 'The email or password is wrong.'));
  const settle = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: AppError) => e.code,
    );

  beforeEach(() => (now = 1_000_000));

  describe('when guesses arrive concurrently', () => {
    it('lets only as many reach the password check as the limit allows', async () => {
      const t = throttle();
      let checked = 0;
      const guess = () => {
        checked += 1;
        return wrongPassword();
      };
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => settle(throttledLogin(t, pair, guess))),
      );
      expect(checked).toBe(2);
      expect(answers.sort()).toEqual([
        'invalid_credentials',
        'invalid_credentials',
        'rate_limited',
        'rate_limited',
        'rate_limited',
      ]);
    });
  });

  describe('when an attempt fails for another reason than the credentials', () => {
    it('does not count it', async () => {
      const t = throttle();
      const storeDown = () => Promise.reject(new Error('event store unavailable'));
      for (let i = 0; i < 3; i += 1) {
        await expect(throttledLogin(t, pair, storeDown)).rejects.toThrow('unavailable');
      }
      await expect(throttledLogin(t, pair, async () => 'token')).resolves.toBe('token');
    });
  });

  describe('when the email or the address differs', () => {
    it('counts each pair on its own', async () => {
      const t = throttle();
      for (let i = 0; i < 2; i += 1) await settle(throttledLogin(t, pair, wrongPassword));
      const attempt = async () => 'token';
      await expect(throttledLogin(t, pair, attempt)).rejects.toThrow(
        expect.objectContaining({ code: 'rate_limited', extra: { retryAfterSeconds: 60 } }),
      );
      await expect(throttledLogin(t, { ...pair, email: 'bob@example.com' }, attempt)).resolves.toBe(
        'token',
      );
      await expect(throttledLogin(t, { ...pair, ip: '198.51.100.9' }, attempt)).resolves.toBe(
        'token',
      );
    });
  });

  describe('when one address fails on many emails', () => {
    it('refuses that address for every email, and only that address', async () => {
      const t = throttle();
      const emails = ['a', 'b', 'c', 'd', 'e'].map((n) => `${n}@example.com`);
      for (const email of emails)
        await settle(throttledLogin(t, { ...pair, email }, wrongPassword));
      const attempt = async () => 'token';
      await expect(
        throttledLogin(t, { ...pair, email: 'fresh@example.com' }, attempt),
      ).rejects.toThrow(expect.objectContaining({ code: 'rate_limited' }));
      await expect(throttledLogin(t, { ...pair, ip: '198.51.100.9' }, attempt)).resolves.toBe(
        'token',
      );
    });

    it('does not forget the failures when one of its logins succeeds', async () => {
      const t = throttle();
      for (const n of ['a', 'b', 'c', 'd']) {
        await settle(throttledLogin(t, { ...pair, email: `${n}@example.com` }, wrongPassword));
      }
      await expect(throttledLogin(t, pair, async () => 'token')).resolves.toBe('token');
      await settle(throttledLogin(t, { ...pair, email: 'e@example.com' }, wrongPassword));
      expect(await settle(throttledLogin(t, pair, async () => 'token'))).toBe('rate_limited');
    });
  });
});
