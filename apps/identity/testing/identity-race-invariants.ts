import { decodeJwt } from 'jose';
import type { CloudEvent } from '../../../libs/contracts';
import type { RecordedEvent } from '../../../libs/event-store';
import { normaliseEmail } from '../../../libs/platform/validation/email-address';
import { hashToken } from '../user/verification-token';
export { seededRandom, type Random } from '../../../libs/testing/seeded-random';

export const normalised = (email: string) => normaliseEmail(email) as string;

/** One HTTP request as sent and answered; `id` is its `x-correlation-id`, so its events' too. */
export interface Attempt {
  id: string;
  kind: 'register' | 'login' | 'verify' | 'resend';
  email?: string;
  password?: string;
  token?: string;
  /** Ticks of a counter shared by all requests, taken when sent and when answered. */
  start: number;
  end: number;
  status: number;
  contentType: string;
  body: Record<string, unknown>;
}

export interface Seen {
  all: RecordedEvent[];
  byRequest: Map<string, RecordedEvent[]>;
  /** User id → its stream. */
  users: Map<string, RecordedEvent[]>;
}

const show = (e: RecordedEvent) => `${e.type}@${e.position} on ${e.streamName}`;
const what = (a: Attempt) => `${a.kind} ${a.status} ${String(a.body.code ?? '')} (${a.id})`;

/** Every event, in global order, grouped by request and by user stream. */
export async function readEverything(store: {
  readAll: (o: { after: bigint; maxCount: number }) => Promise<RecordedEvent[]>;
}): Promise<Seen> {
  const all: RecordedEvent[] = [];
  for (let batch = [] as RecordedEvent[]; ;) {
    batch = await store.readAll({ after: all.at(-1)?.position ?? 0n, maxCount: 1000 });
    all.push(...batch);
    if (batch.length < 1000) break;
  }
  const group = (events: RecordedEvent[], key: (e: RecordedEvent) => string) =>
    events.reduce(
      (m, e) => m.set(key(e), [...(m.get(key(e)) ?? []), e]),
      new Map<string, RecordedEvent[]>(),
    );
  const userStreams = all.filter((e) => /^user-[0-9a-f]{8}-/.test(e.streamName));
  return {
    all,
    byRequest: group(all, (e) => e.metadata.correlationId),
    users: group(userStreams, (e) => e.streamName.slice('user-'.length)),
  };
}

/** The account each normalised email ended with: its one 201 and its one UserRegistered. */
export function winners(attempts: Attempt[]) {
  const won = new Map<string, Attempt>();
  for (const a of attempts.filter((x) => x.kind === 'register' && x.status === 201))
    won.set(normalised(a.email!), a);
  return won;
}

export function checkRegistrations(attempts: Attempt[], seen: Seen, emails: string[]) {
  const violations: string[] = [];
  for (const email of emails) {
    const tries = attempts.filter((a) => a.kind === 'register' && normalised(a.email!) === email);
    const created = tries.filter((a) => a.status === 201);
    const registered = seen.all.filter(
      (e) => e.type === 'UserRegistered' && normaliseEmail(e.data.email) === email,
    );
    if (created.length !== 1) violations.push(`${email}: ${created.length} answers 201`);
    if (registered.length !== 1) violations.push(`${email}: ${registered.length} accounts`);
    const [a] = created;
    if (a && registered[0] && a.body.userId !== registered[0].data.userId)
      violations.push(
        `${email}: 201 for ${String(a.body.userId)}, recorded ${show(registered[0])}`,
      );
    if (a && a.body.email !== email)
      violations.push(`${what(a)}: answered ${String(a.body.email)}`);
    for (const t of tries.filter((x) => x.status !== 201 && x.body.code !== 'email_taken'))
      violations.push(`${email}: ${what(t)} where email_taken was expected`);
  }
  return violations;
}

/**
 * Every verification success names the user its token was issued to before
 * the user's one EmailVerified, and unexpired then; nothing is issued after it;
 * nobody is verified without a 200.
 */
export function checkVerifications(attempts: Attempt[], seen: Seen) {
  const violations: string[] = [];
  const ok = attempts.filter((a) => a.kind === 'verify' && a.status === 200);
  for (const [userId, stream] of seen.users) {
    const verified = stream.filter((e) => e.type === 'EmailVerified');
    if (verified.length > 1) violations.push(`user ${userId} verified ${verified.length} times`);
    const v = verified[0];
    if (!v) continue;
    if (!ok.some((a) => a.body.userId === userId)) violations.push(`${show(v)} without a 200`);
    const after = stream.filter(
      (e) => e.type === 'EmailVerificationIssued' && e.position > v.position,
    );
    violations.push(...after.map((e) => `${show(e)} after ${show(v)}`));
  }
  for (const a of ok) {
    const stream = seen.users.get(String(a.body.userId)) ?? [];
    const v = stream.find((e) => e.type === 'EmailVerified');
    if (!v) {
      violations.push(`${what(a)}: user ${String(a.body.userId)} has no EmailVerified`);
      continue;
    }
    const verifiedAt = Date.parse(String(v.data.verifiedAt));
    const issued = stream.find(
      (e) =>
        e.type === 'EmailVerificationIssued' &&
        e.position < v.position &&
        e.data.tokenHash === hashToken(a.token!),
    );
    if (!issued || Date.parse(String(issued.data.expiresAt)) <= verifiedAt)
      violations.push(`${what(a)}: verified with a token not live at ${show(v)}`);
    const own = seen.byRequest.get(a.id) ?? [];
    if (own.length > 0 && (own.length > 1 || own[0] !== v))
      violations.push(`${what(a)}: recorded ${own.map(show).join(', ')}`);
  }
  return violations;
}

/** Exactly one `identity.email-verified.v1` per recorded EmailVerified, and none other. */
export function checkAnnouncements(announced: CloudEvent[], seen: Seen) {
  const violations: string[] = [];
  const verified = seen.all.filter((e) => e.type === 'EmailVerified');
  for (const v of verified) {
    const mine = announced.filter((m) => m.subject === v.data.userId);
    if (mine.length !== 1) violations.push(`${show(v)} announced ${mine.length} times`);
    for (const m of mine)
      if (JSON.stringify(m.data) !== JSON.stringify(v.data))
        violations.push(`${show(v)} announced as ${JSON.stringify(m.data)}`);
  }
  const known = new Set(verified.map((v) => v.data.userId));
  for (const m of announced.filter((x) => !known.has(x.subject)))
    violations.push(`announced ${String(m.subject)}, never verified`);
  return violations;
}

/**
 * A login succeeds exactly for a registered email and its password (once the
 * registration has answered), and its `email_verified` is what was recorded then or later.
 */
export function checkLogins(attempts: Attempt[], seen: Seen) {
  const violations: string[] = [];
  const won = winners(attempts);
  const verifies = attempts.filter((a) => a.kind === 'verify' && a.status === 200);
  for (const a of attempts.filter((x) => x.kind === 'login')) {
    const w = won.get(normalised(a.email!));
    const right = w !== undefined && w.password === a.password;
    if (seen.byRequest.get(a.id)?.length) violations.push(`${what(a)}: recorded something`);
    if (a.status === 401) {
      if (right && a.start > w.end) violations.push(`${what(a)}: the right password refused`);
      continue;
    }
    if (a.status !== 200) continue; // left to checkRefusals
    if (!right) {
      violations.push(`${what(a)}: logged in with a wrong password or unknown email`);
      continue;
    }
    const claims = decodeJwt(String(a.body.accessToken));
    const userId = String(w.body.userId);
    if (claims.sub !== userId || claims.email !== w.body.email)
      violations.push(`${what(a)}: token for ${claims.sub} ${String(claims.email)}`);
    const recorded = (seen.users.get(userId) ?? []).some((e) => e.type === 'EmailVerified');
    const mine = verifies.filter((v) => v.body.userId === userId);
    if (claims.email_verified === true && (!recorded || !mine.some((v) => v.start < a.end)))
      violations.push(`${what(a)}: email_verified before any verification`);
    if (claims.email_verified === false && mine.some((v) => v.end < a.start))
      violations.push(`${what(a)}: email_verified false after a verification answered`);
  }
  return violations;
}

/** A resend answers 202 whatever happens, and records at most one new link (its issue and lookup). */
export function checkResends(attempts: Attempt[], seen: Seen) {
  return attempts
    .filter((a) => a.kind === 'resend')
    .flatMap((a) => {
      const types = (seen.byRequest.get(a.id) ?? []).map((e) => e.type).sort();
      const ok =
        !types.length || types.join() === 'EmailVerificationIssued,VerificationTokenLinked';
      return a.status === 202 && ok ? [] : [`${what(a)}: recorded [${types.join()}]`];
    });
}

/** Refusals are problem+json with a code, never 5xx, and record nothing. */
export function checkRefusals(attempts: Attempt[], seen: Seen) {
  return attempts
    .filter((a) => a.status >= 300 || a.status === 0)
    .flatMap((a) => [
      ...(a.status >= 500 || a.status === 0 ? [`${what(a)}: a server error`] : []),
      ...(a.contentType.startsWith('application/problem+json')
        ? []
        : [`${what(a)}: ${a.contentType}`]),
      ...(typeof a.body.code === 'string' && a.body.code ? [] : [`${what(a)}: no code`]),
      ...(seen.byRequest.get(a.id)?.length
        ? [`${what(a)}: recorded ${seen.byRequest.get(a.id)!.map(show).join(', ')}`]
        : []),
    ]);
}
