import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mailsCrashingAfterCommit } from '../../../libs/testing/mails-crashing-after-commit';
import { waitFor } from '../../../libs/testing/wait-for';
import type { EventStore, StreamAppend } from '../../../libs/event-store';
import type { MailMessage } from '../../../libs/platform/mail/mailer';
import { loadState } from '../../../libs/platform/command-handling/command-handler';
import { failingFirstWriteOf } from '../../../libs/event-store/testing/failing-write';
import { AppError } from '../../../libs/platform/errors/app-error';
import { identityFixture, PUBLIC_URL } from '../testing/identity-fixture';
import { registerUser } from './register-user';
import {
  ABANDONED_RESERVATION_MS,
  emailReservation,
  emailStream,
} from '../user/user-lookup.decider';
import { hashToken } from '../user/verification-token';

describe('registerUser', () => {
  let f: ReturnType<typeof identityFixture>;
  beforeEach(() => {
    f = identityFixture();
  });
  afterEach(() => f.close());

  const allEvents = () => f.store.readAll({ after: 0n, maxCount: 1000 });
  /** A reservation as recorded before it shared its user's commit, whose user never was. */
  const reserveOnly = (at: Date) =>
    f.store.append(
      emailStream('ann@example.com'),
      [
        {
          eventId: randomUUID(),
          type: 'EmailReserved',
          data: { userId: 'crashed-user', reservedAt: at.toISOString() },
          metadata: {
            correlationId: 'c',
            causationId: 'c',
            actor: 'user:crashed-user',
            occurredAt: at.toISOString(),
          },
        },
      ],
      'no_stream',
    );

  describe('when the email is free', () => {
    it('reserves the email, links the token and records the user', async () => {
      const { response, position } = await f.register({
        email: 'ann@example.com',
        firstName: 'Ann',
      });
      expect(response).toEqual({
        userId: expect.any(String),
        companyId: expect.any(String),
        accountType: 'customer',
        email: 'ann@example.com',
        emailVerified: false,
      });
      const events = await allEvents();
      expect(events.map((e) => [e.streamName.replace(/-[0-9a-f-]{36,}$/, ''), e.type])).toEqual([
        ['user-email', 'EmailReserved'],
        ['user-verification', 'VerificationTokenLinked'],
        ['user', 'UserRegistered'],
        ['user', 'EmailVerificationIssued'],
      ]);
      expect(position).toBe(await f.store.headPosition());
      expect(events[0].metadata).toMatchObject({
        correlationId: 'corr-1',
        actor: `user:${response.userId}`,
      });
    });

    it('mails a link whose token is stored only as its hash', async () => {
      await f.register({ email: 'ann@example.com' });
      const token = f.tokenSentTo('ann@example.com');
      expect(f.sent[0].text).toContain(`${PUBLIC_URL}/verify-email?token=${token}`);
      const stored = JSON.stringify((await allEvents()).map((e) => [e.data, e.metadata]));
      expect(stored).not.toContain(token);
      expect(stored).toContain(hashToken(token));
      expect(stored).not.toContain('correct horse');
    });

    it('mails no text the registration chose, and says what kind of account it confirms', async () => {
      const lure = 'your account is suspended, see https://evil.example';
      await f.register({ email: 'ann@example.com', firstName: lure, companyName: lure });
      expect(f.sent[0].text).not.toContain('evil.example');
      expect(f.sent[0].text).toContain(
        'A customer account was registered with this email address.',
      );
      expect(f.sent[0].text).toContain('Open it only if you registered this account yourself');
    });
  });

  describe('when the process dies between the commit and the mail spool', () => {
    it('the next start sends the verification email, and no other', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'register-mail-'));
      const crashing = mailsCrashingAfterCommit(dir, f.store);
      try {
        const input = { email: 'ann@example.com', password: 'correct horse', companyName: 'A' };
        const mailing = { ...f.mailing(), mails: crashing.mails };
        await registerUser(mailing, { ...input, accountType: 'customer' }, f.context());
        // The loser of a race for the address wrote its mail down too, and records nothing.
        await expect(
          registerUser(mailing, { ...input, accountType: 'vendor' }, f.context()),
        ).rejects.toMatchObject({ code: 'email_taken' });

        const delivered = await crashing.restart();
        expect(delivered.map((m) => m.to)).toEqual(['ann@example.com']);
        expect(delivered[0].text).toContain(`${PUBLIC_URL}/verify-email?token=`);
      } finally {
        await crashing.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('when its commit is made but its answer lost', () => {
    it('answers 503, and sends the verification email all the same', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'register-mail-'));
      const crashing = mailsCrashingAfterCommit(dir, f.store);
      const delivered: MailMessage[] = [];
      const mails = crashing.delivering(delivered);
      const answerLost = Object.assign(Object.create(f.store) as EventStore, {
        appendToStreams: async (appends: StreamAppend[]) => {
          await f.store.appendToStreams(appends);
          throw new Error('connection dropped before the answer');
        },
      });
      try {
        const input = { email: 'ann@example.com', password: 'correct horse', companyName: 'A' };
        await expect(
          registerUser(
            { ...f.mailing(), store: answerLost, mails },
            { ...input, accountType: 'customer' },
            f.context(),
          ),
        ).rejects.toMatchObject({ code: 'event_store_unavailable' });
        await waitFor(() => delivered.length === 1, { message: 'the verification email' });
        expect(delivered[0].to).toBe('ann@example.com');
      } finally {
        await mails.close();
        await crashing.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('when its commit fails', () => {
    it('records none of reservation, link and user, so the email can register at once', async () => {
      const failing = { ...f.mailing(), store: failingFirstWriteOf(f.store, 'UserRegistered') };
      const input = { email: 'ann@example.com', password: 'correct horse', companyName: 'Ann Ltd' };
      const register = () =>
        registerUser(failing, { ...input, accountType: 'customer' }, f.context());
      await expect(register()).rejects.toMatchObject({
        code: 'event_store_unavailable',
        cause: expect.objectContaining({ message: 'disk gone' }),
      });
      expect(await f.store.headPosition()).toBe(0n);
      const { response } = await register();
      const { state } = await loadState(f.store, emailReservation, emailStream('ann@example.com'));
      expect(state.userId).toBe(response.userId);
    });
  });

  describe('when an older reservation (from before it shared its user’s commit) lacks the user', () => {
    it('refuses while the reservation is recent', async () => {
      const now = new Date();
      await reserveOnly(now);
      await expect(f.register({ email: 'ann@example.com' }, now)).rejects.toThrow(
        expect.objectContaining({ code: 'email_taken' }),
      );
    });

    it('takes the email over once the reservation is abandoned', async () => {
      const then = new Date(Date.now() - ABANDONED_RESERVATION_MS);
      await reserveOnly(then);
      const { response } = await f.register({ email: 'ann@example.com' });
      const { state } = await loadState(f.store, emailReservation, emailStream('ann@example.com'));
      expect(state.userId).toBe(response.userId);
    });
  });

  describe('when two registrations race to take over an abandoned reservation', () => {
    it('gives it to one, and the other may not take it from that one', async () => {
      const abandonedAt = new Date(Date.now() - 2 * ABANDONED_RESERVATION_MS);
      await reserveOnly(abandonedAt);
      // Both find the crashed user's reservation; the slower request began long enough after
      // the first that the first's reservation would itself look abandoned to it.
      const first = new Date(abandonedAt.getTime() + ABANDONED_RESERVATION_MS);
      const second = new Date(first.getTime() + ABANDONED_RESERVATION_MS);
      const results = await Promise.allSettled([
        f.register({ email: 'ann@example.com' }, first),
        f.register({ email: 'ann@example.com' }, second),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: 'email_taken' });
    });
  });

  describe('when the email is taken', () => {
    it('refuses with email_taken and records nothing, its email not even written down', async () => {
      await f.register({ email: 'ann@example.com' });
      const head = await f.store.headPosition();
      await expect(f.register({ email: 'ann@example.com' })).rejects.toThrow(
        expect.objectContaining({ code: 'email_taken', kind: 'conflict' }),
      );
      expect(await f.store.headPosition()).toBe(head);
      expect(f.sent).toHaveLength(1);
      expect(f.intended).toHaveLength(1);
    });
  });

  describe('when two registrations of one email race', () => {
    it('lets exactly one through and the other records nothing', async () => {
      const results = await Promise.allSettled(
        ['vendor', 'customer'].map((accountType) =>
          f.register({ email: 'race@example.com', accountType: accountType as 'vendor' }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(AppError);
      expect((lost[0] as PromiseRejectedResult).reason.code).toBe('email_taken');

      const { userId } = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof f.register>>>)
        .value.response;
      const events = await allEvents();
      expect(events).toHaveLength(4);
      expect(new Set(events.map((e) => e.metadata.actor))).toEqual(new Set([`user:${userId}`]));
    });
  });
});
