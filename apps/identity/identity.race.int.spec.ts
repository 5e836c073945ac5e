import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudEvent } from '../../libs/contracts';
import { loadConfig } from '../../libs/platform/config/config';
import {
  openInfrastructure,
  type Infrastructure,
} from '../../libs/platform/infrastructure/infrastructure';
import type { RunningService } from '../../libs/platform/infrastructure/run-services';
import type { MailMessage } from '../../libs/platform/mail/mailer';
import { verificationTokenIn } from '../../libs/testing/identity-test-client';
import { emailsUnwanted } from '../../libs/testing/emails-unwanted';
import { waitFor } from '../../libs/testing/wait-for';
import { startIdentity } from './start-identity';
import {
  checkAnnouncements,
  checkLogins,
  checkRefusals,
  checkRegistrations,
  checkResends,
  checkVerifications,
  normalised,
  readEverything,
  seededRandom,
  winners,
  type Attempt,
  type Random,
  type Seen,
} from './testing/identity-race-invariants';
import { VERIFICATION_RESEND_INTERVAL_MS } from './user/user.decider';
import { hashToken } from './user/verification-token';
import { fakeDateOnly } from '../../libs/testing/fake-date';
import { announcedEmailVerified } from './testing/identity-fixture';

const SEED = Number(process.env.IDENTITY_RACE_SEED || 1);
/** Each family is one address typed several ways that the service normalises to one. */
const FAMILIES = [
  ['ann@example.com', 'Ann@Example.COM', '  ann@example.com ', 'ANN@EXAMPLE.COM'],
  ['josé@example.com', 'jose\u0301@example.com', 'JOSÉ@example.com', 'JOSE\u0301@EXAMPLE.COM'],
  ['zoë@example.org', 'zoe\u0308@example.org', 'ZOË@Example.org'],
  ['åsa@example.se', 'a\u030asa@example.se', '\u212Bsa@example.se'],
  ['bob@example.net', 'BOB@example.net', ' Bob@Example.Net'],
];
/** The last family is never sent a verification. */
const NEVER_VERIFIED = FAMILIES.length - 1;
const PASSWORDS = ['correct horse 0', 'correct horse 1', 'wrong password'];

const PATHS = {
  register: 'register',
  login: 'login',
  verify: 'verify-email',
  resend: 'resend-verification',
};

type Op =
  | { kind: 'register' | 'login' | 'resend'; family: number; variant: number; password: number }
  | {
      kind: 'verify';
      family: number;
      token: 'latest' | 'oldest' | 'any' | 'unknown';
      copies: number;
    };

type TokenChoice = Extract<Op, { kind: 'verify' }>['token'];

function randomOp(r: Random, kinds: Op['kind'][], tokens: TokenChoice[] = ['latest']): Op {
  const kind = r.pick(kinds);
  const family = r.int(FAMILIES.length - (kind === 'verify' ? 1 : 0));
  if (kind !== 'verify')
    return { kind, family, variant: r.int(FAMILIES[family].length), password: r.int(3) };
  const token = r.pick(tokens);
  return { kind, family, token, copies: 1 + r.int(4) };
}

/**
 * Wave 0 races the registrations (and logins); wave 1 mostly resends, with old links tried;
 * wave 2 races resends with verifications; wave 3 mostly verifies, with any link known.
 */
function plan(r: Random): Op[][] {
  const registers = FAMILIES.flatMap((_, family) =>
    Array.from({ length: 2 + r.int(3) }, (): Op => {
      const variant = r.int(FAMILIES[family].length);
      return { kind: 'register', family, variant, password: r.int(2) };
    }),
  );
  const logins = Array.from({ length: 8 }, () => randomOp(r, ['login']));
  const later = (n: number, kinds: Op['kind'][], tokens: TokenChoice[]) =>
    Array.from({ length: n }, () => randomOp(r, kinds, tokens));
  return [
    [...registers, ...logins],
    later(16, ['resend', 'resend', 'login', 'verify'], ['oldest', 'unknown']),
    later(20, ['verify', 'resend', 'login'], ['latest', 'latest', 'oldest', 'any']),
    later(16, ['verify', 'verify', 'login', 'resend'], ['latest', 'oldest', 'any', 'unknown']),
  ];
}

describe('identity under racing registrations, logins and verifications', () => {
  let dataDir: string;
  let infra: Infrastructure;
  let identity: RunningService | undefined;
  const mails: MailMessage[] = [];
  let announced: CloudEvent[] = [];
  const attempts: Attempt[] = [];
  let seen: Seen;
  const holds = (violations: string[]) => {
    if (violations.length === 0) return;
    const shown = violations.slice(0, 15).join('\n  ');
    throw new Error(`IDENTITY_RACE_SEED=${SEED}: ${violations.length} violations\n  ${shown}`);
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'identity-race-'));
    const env = {
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      REGISTRATIONS_RATE_LIMIT_PER_HOUR: '100000',
      LOGIN_MAX_FAILED_ATTEMPTS: '1000',
      LOGIN_MAX_FAILED_ATTEMPTS_PER_IP: '100000',
    };
    const mailer = { send: async (m: MailMessage) => void mails.push(m), close: () => undefined };
    infra = await openInfrastructure(loadConfig(env), () => undefined, { mailer });
    announced = await announcedEmailVerified(
      infra.broker,
      'identity-race.identity.email-verified.v1',
    );
    identity = await startIdentity(infra, 0);
    fakeDateOnly();
    try {
      await race();
    } catch (error) {
      throw new Error(`IDENTITY_RACE_SEED=${SEED}: ${(error as Error).message}`);
    }
  }, 20_000);

  afterAll(async () => {
    jest.useRealTimers();
    await identity?.close();
    await infra?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function race() {
    const url = identity!.url;
    let n = 0;
    let tick = 0;
    const post = async (kind: Attempt['kind'], body: Record<string, string>) => {
      const id = `race-${SEED}-${++n}`;
      const start = ++tick;
      const res = await fetch(`${url}/auth/${PATHS[kind]}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-correlation-id': id },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      attempts.push({
        id,
        kind,
        ...body,
        start,
        end: ++tick,
        status: res.status,
        contentType: res.headers.get('content-type') ?? '',
        body: text.startsWith('{') ? JSON.parse(text) : { text },
      });
    };
    const tokensOf = (family: number) =>
      mails
        .filter((m) => m.to === normalised(FAMILIES[family][0]))
        .map((m) => verificationTokenIn(m.text)!);

    const run = async (op: Op, r: Random) => {
      if (op.kind !== 'verify') {
        const email = FAMILIES[op.family][op.variant];
        const password = PASSWORDS[op.password];
        const extra: Record<string, string> =
          op.kind === 'register' ? { accountType: 'customer', companyName: 'Co' } : {};
        const body = op.kind === 'resend' ? { email } : { email, password, ...extra };
        return post(op.kind, body);
      }
      const known = tokensOf(op.family);
      const token =
        op.token === 'unknown'
          ? `unknown${SEED}x${r.int(1e9)}`.padEnd(43, 'x')
          : { latest: known.at(-1), oldest: known[0], any: r.pick(known) }[op.token];
      if (!token) return;
      await Promise.all(Array.from({ length: op.copies }, () => post('verify', { token })));
    };

    /** Every link recorded has reached the mailbox, or was dropped as its address was verified first. */
    const unwantedBefore = await emailsUnwanted('identity');
    const mailsCaughtUp = async () => {
      const all = await readEverything(infra.eventStore);
      const issued = all.all.filter((e) => e.type === 'EmailVerificationIssued').length;
      const unwanted = (await emailsUnwanted('identity')) - unwantedBefore;
      return mails.length + unwanted === issued;
    };

    for (const [w, ops] of plan(seededRandom(SEED)).entries()) {
      if (w > 0) jest.setSystemTime(Date.now() + VERIFICATION_RESEND_INTERVAL_MS + 1000);
      await Promise.all(ops.map((op, i) => run(op, seededRandom(SEED * 1000 + w * 100 + i))));
      await waitFor(mailsCaughtUp, { message: `wave ${w}'s verification mails` });
    }

    seen = await readEverything(infra.eventStore);
    const verified = seen.all.filter((e) => e.type === 'EmailVerified').length;
    await waitFor(() => announced.length >= verified, {
      message: `${verified} EmailVerified announcements (got ${announced.length})`,
    });
    await identity!.close(); // the forwarder stops: anything published twice is in by now
    identity = undefined;
  }

  const emails = FAMILIES.map((f) => normalised(f[0]));

  describe('when registrations of one address typed several ways race', () => {
    it('keeps exactly one account per normalised email, refusing the rest with email_taken', () => {
      holds(checkRegistrations(attempts, seen, emails));
    });
  });

  describe('when verifications race each other and resends', () => {
    it('verifies only with the current token, once per user', () => {
      holds(checkVerifications(attempts, seen));
    });

    it('announces each verification exactly once on the bus, and nobody else', () => {
      holds(checkAnnouncements(announced, seen));
      const bob = winners(attempts).get(emails[NEVER_VERIFIED])?.body.userId;
      holds(announced.filter((m) => m.subject === bob).map(() => `announced ${String(bob)}`));
    });

    it('records at most one new link per resend, and answers every resend alike', () => {
      holds(checkResends(attempts, seen));
    });

    it('mails every link but those of addresses verified before their email went out', () => {
      const mailed = new Set(mails.map((m) => hashToken(verificationTokenIn(m.text)!)));
      const verifiedUsers = new Set(
        seen.all.filter((e) => e.type === 'EmailVerified').map((e) => e.streamName),
      );
      holds(
        seen.all
          .filter((e) => e.type === 'EmailVerificationIssued')
          .filter((e) => !mailed.has(e.data.tokenHash as string))
          .filter((e) => !verifiedUsers.has(e.streamName))
          .map((e) => `the link ${e.revision} of ${e.streamName} was never mailed`),
      );
    });
  });

  describe('when logins race registrations and verifications', () => {
    it('succeeds exactly for registered pairs, with email_verified as recorded then or later', () => {
      holds(checkLogins(attempts, seen));
    });
  });

  describe('when anything is refused', () => {
    it('answers problem+json with a code, records nothing, and never answers 5xx', () => {
      holds(checkRefusals(attempts, seen));
    });
  });
});
