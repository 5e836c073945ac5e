import { randomUUID } from 'node:crypto';
import { IntegrationEventTypes, type CloudEvent } from '../../libs/contracts';
import type { TestUser } from '../../libs/testing/test-tokens';
import { waitFor } from '../../libs/testing/wait-for';
import { createInvitationExpiry } from './expire-invitations/invitation-expiry';
import {
  startInvitationsTestApp,
  testUser,
  tokenOf,
  type InvitationsTestApp,
} from './testing/invitations-test-app';
import {
  checkAnswers,
  checkDeferrals,
  checkPendingSlots,
  checkRefusals,
  checkStreams,
  readEverything,
  seededRandom,
  type Attempt,
  type Random,
} from './testing/lifecycle-invariants';
import { fakeDateOnly } from '../../libs/testing/fake-date';

const SEED = Number(process.env.INVITATION_RACE_SEED ?? 1);
const DAY = 86_400_000;
const VENDORS = 3;
const EMAILS = 4;
/** A pair is one vendor and one email: pair p is vendor ⌊p / EMAILS⌋ inviting email p mod EMAILS. */
const PAIRS = VENDORS * EMAILS;

type Op =
  | { kind: 'send' | 'resend'; pair: number; days: number }
  | { kind: 'cancel'; pair: number }
  /** `customer` 4e is email e's verified customer, 4e+1 to 4e+3 its unverified ones. */
  | { kind: 'accept'; pair: number; customer: number; stale: boolean }
  /** An unverified customer is verified; `twice`: the message is duplicated, and sent again. */
  | { kind: 'verify'; customer: number; twice: boolean }
  /** Instances 0 and 1 are two expiry workers of their own, 2 the service's. */
  | { kind: 'expire'; instance: number }
  /** The clock moves on a day and a half: one-day invitations are past their expiry. */
  | { kind: 'tick' };

const unverified = (r: Random) => 4 * r.int(EMAILS) + 1 + r.int(3);

function randomOp(r: Random): Op {
  const x = r.next();
  const pair = r.int(PAIRS);
  const invited = 4 * (pair % EMAILS) + (r.next() < 0.3 ? 0 : 1 + r.int(3));
  if (x < 0.45) {
    const customer = r.next() < 0.9 ? invited : r.int(4 * EMAILS);
    return { kind: 'accept', pair, customer, stale: r.next() < 0.2 };
  }
  if (x < 0.6) return { kind: 'resend', pair, days: r.pick([1, 7]) };
  if (x < 0.66) return { kind: 'cancel', pair };
  if (x < 0.76) return { kind: 'send', pair, days: r.pick([1, 7]) };
  if (x < 0.88) return { kind: 'verify', customer: unverified(r), twice: r.next() < 0.5 };
  return { kind: 'expire', instance: r.int(3) };
}

/** Waves of lanes: a wave's lanes run at once, each lane's ops one after another. */
function plan(r: Random): Op[][][] {
  const sends = Array.from({ length: PAIRS }, (_, pair) => {
    const days = r.pick([1, 7]);
    return Array.from({ length: 1 + r.int(3) }, (): Op[] => [{ kind: 'send', pair, days }]);
  }).flat();
  const early = Array.from({ length: 3 }, (): Op[] => [
    { kind: 'verify', customer: unverified(r), twice: r.next() < 0.5 },
  ]);
  const lanes = (count: number, length: number) =>
    Array.from({ length: count }, () => Array.from({ length }, () => randomOp(r)));
  const race = lanes(16, 8);
  race[r.int(16)].splice(2 + r.int(4), 0, { kind: 'tick' });
  const after = lanes(10, 6);
  return [[...sends, ...early, [{ kind: 'expire', instance: 0 }]], race, after];
}

describe('invitation lifecycle under racing commands', () => {
  let t: InvitationsTestApp;
  const attempts: Attempt[] = [];
  const problems: string[] = [];
  let seen: Awaited<ReturnType<typeof readEverything>>;
  const holds = (violations: string[]) => {
    if (violations.length === 0) return;
    const shown = violations.slice(0, 15).join('\n  ');
    throw new Error(`INVITATION_RACE_SEED=${SEED}: ${violations.length} violations\n  ${shown}`);
  };

  beforeAll(async () => {
    const env = { INVITATIONS_RATE_LIMIT_PER_MINUTE: '100000', LOG_LEVEL: 'silent' };
    t = await startInvitationsTestApp({ service: true, env });
    fakeDateOnly();
    try {
      await race();
    } catch (error) {
      throw new Error(`INVITATION_RACE_SEED=${SEED}: ${(error as Error).message}`);
    }
  }, 20_000);
  afterAll(async () => {
    jest.useRealTimers();
    await t?.close();
  });

  async function race() {
    const vendors = Array.from({ length: VENDORS }, () => testUser('vendor'));
    const emails = Array.from({ length: EMAILS }, (_, e) => `race-${e}@example.com`);
    const customers = emails.flatMap((email) =>
      [0, 1, 2, 3].map((k) => testUser('customer', { email, emailVerified: k === 0 })),
    );
    const jwt = new Map<string, string>(); // good for longer than the clock moves on
    for (const u of [...vendors, ...customers])
      jwt.set(u.userId, await t.tokens.mint(u, { expiresInSeconds: 30 * DAY }));
    const expiries = [0, 1].map(() => createInvitationExpiry(t.infra.eventStore));
    const byPair: string[][] = Array.from({ length: PAIRS }, () => []);
    const tokens = new Map<string, string[]>();
    const deliveries: Promise<void>[] = [];
    let delivered = 0;
    let n = 0;

    const command = async (kind: Attempt['kind'], as: TestUser, path: string, body: object) => {
      const id = `race-${SEED}-${++n}`;
      const res = await fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${jwt.get(as.userId)}`,
          'content-type': 'application/json',
          'x-correlation-id': id,
        },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      const attempt: Attempt = {
        id,
        kind,
        status: res.status,
        contentType: res.headers.get('content-type') ?? '',
        body: text.startsWith('{') ? JSON.parse(text) : { text },
        invitationId: /^\/invitations\/([^/]+)/.exec(path)?.[1],
        ...(as.accountType === 'customer' ? { customer: as } : {}),
      };
      attempts.push(attempt);
      return attempt;
    };
    const deliver = (userId: string, email: string, copies: number) => {
      const now = new Date().toISOString();
      const event: CloudEvent = {
        specversion: '1.0',
        id: randomUUID(),
        source: '/identity',
        type: IntegrationEventTypes.emailVerified,
        time: now,
        datacontenttype: 'application/json',
        subject: userId,
        data: { userId, email, verifiedAt: now },
      };
      const published = t.infra.broker
        .publish(Array.from({ length: copies }, () => event))
        .catch((error: Error) => void problems.push(`EmailVerified: ${error.message}`))
        .finally(() => delivered++);
      deliveries.push(published);
    };

    const run = async (op: Op, r: Random): Promise<void> => {
      if (op.kind === 'tick') return void jest.setSystemTime(Date.now() + 1.5 * DAY);
      if (op.kind === 'expire') {
        const expiry = op.instance < 2 ? expiries[op.instance].expireDue : t.expireDue!;
        await expiry(new Date()).catch((e: Error) => problems.push(`expiry: ${e.message}`));
        return;
      }
      if (op.kind === 'verify') {
        const c = customers[op.customer];
        deliver(c.userId, c.email, op.twice ? 2 : 1);
        if (op.twice) deliver(c.userId, c.email, 1);
        return;
      }
      const vendor = vendors[Math.floor(op.pair / EMAILS)];
      if (op.kind === 'send') {
        const email = emails[op.pair % EMAILS];
        const body = { email, firstName: 'Ann', lastName: 'Lee', expiresInDays: op.days };
        const sent = await command('send', vendor, '/invitations', body);
        if (sent.status !== 201) return;
        const id = String(sent.body.invitationId);
        byPair[op.pair].push(id);
        tokens.set(id, [tokenOf(String(sent.body.acceptUrl))]);
        return;
      }
      const id = r.pick(byPair[op.pair]);
      if (!id) return; // none of this pair's sends went through yet
      if (op.kind === 'cancel') {
        await command('cancel', vendor, `/invitations/${id}/cancel`, {});
      } else if (op.kind === 'resend') {
        const body = { expiresInDays: op.days };
        const resent = await command('resend', vendor, `/invitations/${id}/resend`, body);
        if (resent.status === 200) tokens.get(id)!.push(tokenOf(String(resent.body.acceptUrl)));
      } else if (op.kind === 'accept') {
        const known = tokens.get(id)!;
        const token = op.stale ? known[0] : known.at(-1)!;
        const path = `/invitations/${id}/accept`;
        await command('accept', customers[op.customer], path, { token });
      }
    };

    const waves = plan(seededRandom(SEED));
    for (const [w, lanes] of waves.entries()) {
      await Promise.all(
        lanes.map(async (ops, lane) => {
          const r = seededRandom(SEED * 1000 + w * 100 + lane);
          for (const op of ops) await run(op, r);
        }),
      );
    }
    await waitFor(() => delivered === deliveries.length, {
      timeoutMs: 10_000,
      message: 'every EmailVerified delivery to be handled',
    });
    const dead = await t.infra.broker.deadLetters('invitations.identity.email-verified.v1');
    problems.push(...dead.map((d) => `dead letter: ${d.reason}`));
    await t.stopService(); // nothing more is recorded: the scheduler and consumer stop
    seen = await readEverything(t.infra.eventStore);
  }

  describe('when sends, resends, cancels, accepts, verifications and expiries race', () => {
    it('handles every command and message without an error', () => {
      holds(problems);
    });

    it('records only histories the decider folds, with nothing after an acceptance or a cancellation', () => {
      holds(checkStreams(seen.streams).history);
    });

    it('accepts each invitation at most once, and never once cancelled or expired', () => {
      holds(checkStreams(seen.streams).acceptance);
    });

    it('never has two pending invitations for one vendor and email', () => {
      holds(checkPendingSlots(seen.all));
    });

    it('answers 2xx only with what the streams recorded', () => {
      holds(checkAnswers(attempts, seen.byRequest, seen.streams));
    });

    it('refuses with problem+json and a code, recording nothing, and never answers 5xx', () => {
      holds(checkRefusals(attempts, seen.byRequest));
    });

    it('completes every deferred acceptance whose customer was verified while it was open', () => {
      holds(checkDeferrals(seen.all, seen.streams));
    });
  });
});
