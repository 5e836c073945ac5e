import { timestampMs } from '../../../libs/contracts/timestamp';
import type { RecordedEvent } from '../../../libs/event-store';
import { customerVerificationStream } from '../customer-verification/customer-verification.decider';
import { invitationStreamPrefix, type InvitationEvent } from '../invitation/invitation.events';
import {
  evolve,
  finalExpiryOf,
  initialState,
  type InvitationState,
} from '../invitation/invitation.state';
import { hashToken } from '../invitation/invitation-token';
export { seededRandom, type Random } from '../../../libs/testing/seeded-random';

/** One HTTP command as sent and answered; `id` is its `x-correlation-id`, so its events' too. */
export interface Attempt {
  id: string;
  kind: 'send' | 'resend' | 'cancel' | 'accept';
  status: number;
  contentType: string;
  body: Record<string, unknown>;
  invitationId?: string;
  customer?: { userId: string; companyId: string };
}

const at = (e: RecordedEvent) => Date.parse(e.metadata.occurredAt);
const idOf = (e: RecordedEvent) => e.streamName.slice(invitationStreamPrefix.length);
const asEvent = (e: RecordedEvent) => ({ type: e.type, data: e.data }) as InvitationEvent;
const show = (e: RecordedEvent) => `${e.type}@${e.position} on ${e.streamName}`;
/** When the customer's verification counts: as announced, never later than it was recorded. */
const verifiedAtOf = (q: RecordedEvent) =>
  Math.min(timestampMs(String(q.data.verifiedAt)) || at(q), at(q));

/** Which status each event may follow (design 3 and 5: a resend or a cancel may follow an expiry). */
const follows: Record<InvitationEvent['type'], (s: InvitationState) => boolean> = {
  InvitationSent: (s) => s === null,
  InvitationResent: (s) => s?.status === 'pending' || s?.status === 'expired',
  InvitationAcceptanceDeferred: (s) => s?.status === 'pending',
  InvitationAccepted: (s) => s?.status === 'pending',
  InvitationCancelled: (s) => s?.status === 'pending' || s?.status === 'expired',
  InvitationExpired: (s) => s?.status === 'pending',
};

/** Folds every invitation stream with `evolve`, checking each step against the lifecycle. */
export function checkStreams(streams: Map<string, RecordedEvent[]>) {
  const history: string[] = [];
  const acceptance: string[] = [];
  for (const [name, events] of streams) {
    if (!name.startsWith(invitationStreamPrefix)) continue;
    let s: InvitationState = initialState();
    for (const e of events) {
      const type = e.type as InvitationEvent['type'];
      if (!follows[type]?.(s)) history.push(`${show(e)} follows status ${s?.status ?? 'none'}`);
      if (e.data.invitationId !== idOf(e)) history.push(`${show(e)} names another invitation`);
      if (type === 'InvitationExpired' && s && at(e) < finalExpiryOf(s)) {
        history.push(`${show(e)} recorded before its expiry ${s.expiresAt} was final`);
      }
      if (type === 'InvitationAccepted' && s) {
        if (s.status !== 'pending') acceptance.push(`${show(e)} while ${s.status}`);
        // Past the expiry only to complete an acceptance verified in time, within the grace.
        const user = String(e.data.customerUserId);
        const q = streams
          .get(customerVerificationStream(user))
          ?.find((v) => v.type === 'CustomerEmailVerified');
        const completes =
          !!q &&
          s.deferred.some((d) => d.customerUserId === user) &&
          verifiedAtOf(q) < Date.parse(s.expiresAt);
        if (at(e) >= (completes ? finalExpiryOf(s) : Date.parse(s.expiresAt))) {
          acceptance.push(`${show(e)} past ${s.expiresAt}`);
        }
      }
      if (type === 'InvitationAcceptanceDeferred' && s?.deferred.length) {
        const again = s.deferred.some((d) => d.customerUserId === e.data.customerUserId);
        if (again) history.push(`${show(e)} defers the same customer twice`);
      }
      s = evolve(s, asEvent(e));
    }
    const accepted = events.filter((e) => e.type === 'InvitationAccepted').length;
    if (accepted > 1) acceptance.push(`${name} accepted ${accepted} times`);
  }
  return { history, acceptance };
}

/**
 * In global order, when an invitation is sent or resent, no other invitation
 * of its vendor and email is pending and unexpired. Time is the latest
 * recorded so far: a request's clock is read when it starts, not at its commit.
 */
export function checkPendingSlots(all: RecordedEvent[]): string[] {
  const states = new Map<string, InvitationState>();
  const violations: string[] = [];
  const slotOf = (s: InvitationState) => s && `${s.vendorId}|${s.email}`;
  let now = 0;
  for (const e of all) {
    now = Math.max(now, at(e));
    if (!e.streamName.startsWith(invitationStreamPrefix)) continue;
    const id = idOf(e);
    const next = evolve(states.get(id) ?? null, asEvent(e));
    states.set(id, next);
    if (e.type !== 'InvitationSent' && e.type !== 'InvitationResent') continue;
    for (const [other, s] of states) {
      const live = s?.status === 'pending' && Date.parse(s.expiresAt) > now;
      if (other !== id && live && slotOf(s) === slotOf(next)) {
        violations.push(`${show(e)} while ${other} is pending until ${s!.expiresAt}`);
      }
    }
  }
  return violations;
}

/** Every 2xx answer is borne out by what its request recorded (or what was already there). */
export function checkAnswers(
  attempts: Attempt[],
  byRequest: Map<string, RecordedEvent[]>,
  streams: Map<string, RecordedEvent[]>,
): string[] {
  const violations: string[] = [];
  for (const a of attempts.filter((x) => x.status >= 200 && x.status < 300)) {
    const own = (byRequest.get(a.id) ?? []).filter((e) => e.streamName.startsWith('invitation-'));
    const types = own.map((e) => e.type).join(',');
    const id = String(a.body.invitationId ?? a.invitationId);
    const stream = streams.get(`${invitationStreamPrefix}${id}`) ?? [];
    const last = own.at(-1);
    const tokenHash = a.body.acceptUrl
      ? hashToken(new URL(String(a.body.acceptUrl)).searchParams.get('token')!)
      : undefined;
    const customer = a.customer;
    const ok = (() => {
      switch (`${a.kind} ${a.status}`) {
        case 'send 201':
        case 'resend 200':
          return (
            (a.kind === 'send'
              ? types === 'InvitationSent'
              : /^(InvitationExpired,)?InvitationResent$/.test(types)) &&
            last!.streamName.endsWith(id) &&
            last!.data.tokenHash === tokenHash &&
            last!.data.expiresAt === a.body.expiresAt &&
            (byRequest.get(a.id) ?? []).some((e) => e.type === 'PendingSlotClaimed')
          );
        case 'cancel 200':
          return (
            types === 'InvitationCancelled' ||
            (!types && stream.some((e) => e.type === 'InvitationCancelled'))
          );
        case 'accept 200': {
          const mine = (e: RecordedEvent) =>
            e.type === 'InvitationAccepted' && e.data.customerCompanyId === customer!.companyId;
          return (
            a.body.customerCompanyId === customer!.companyId &&
            (types === 'InvitationAccepted' ? mine(last!) : !types && stream.some(mine))
          );
        }
        case 'accept 202': {
          const mine = (e: RecordedEvent) =>
            e.type === 'InvitationAcceptanceDeferred' && e.data.customerUserId === customer!.userId;
          return (
            a.body.awaiting === 'email_verification' &&
            (types ? types === 'InvitationAcceptanceDeferred' && mine(last!) : stream.some(mine))
          );
        }
        default:
          return false;
      }
    })();
    if (!ok) violations.push(`${a.kind} ${a.status} (${a.id}) on ${id} recorded [${types}]`);
  }
  return violations;
}

/** Refusals are problem+json with a code, never 5xx, and record nothing. */
export function checkRefusals(attempts: Attempt[], byRequest: Map<string, RecordedEvent[]>) {
  return attempts
    .filter((a) => a.status >= 300)
    .flatMap((a) => {
      const what = `${a.kind} ${a.status} ${String(a.body.code)} (${a.id})`;
      return [
        ...(a.status >= 500 ? [`${what}: a server error`] : []),
        ...(a.contentType.startsWith('application/problem+json')
          ? []
          : [`${what}: ${a.contentType}`]),
        ...(typeof a.body.code === 'string' && a.body.code ? [] : [`${what}: no code`]),
        ...(byRequest.get(a.id)?.length
          ? [`${what}: recorded ${byRequest.get(a.id)!.map(show)}`]
          : []),
      ];
    });
}

/**
 * No deferral after the customer's verification, and every deferral waiting
 * on a pending invitation, verified before its expiry and recorded before
 * that expiry was final, ended accepted by that customer.
 */
export function checkDeferrals(all: RecordedEvent[], streams: Map<string, RecordedEvent[]>) {
  const violations: string[] = [];
  const verifiedAt = new Map<string, RecordedEvent>();
  for (const e of all) {
    if (e.type === 'CustomerEmailVerified') {
      verifiedAt.set(e.streamName.slice(customerVerificationStream('').length), e);
    }
  }
  const deferrals = all.filter((e) => e.type === 'InvitationAcceptanceDeferred');
  for (const d of deferrals) {
    const user = String(d.data.customerUserId);
    const q = verifiedAt.get(user);
    if (!q) continue;
    if (d.position > q.position) violations.push(`${show(d)} after ${show(q)}`);
    const stream = streams.get(d.streamName)!;
    const s = stream
      .filter((e) => e.position < q.position)
      .reduce((x, e) => evolve(x, asEvent(e)), initialState());
    const waiting = s?.status === 'pending' && s.deferred.some((w) => w.customerUserId === user);
    // Open: verified before the expiry, and handled before the expiry was final.
    if (!waiting || Date.parse(s.expiresAt) <= verifiedAtOf(q) || finalExpiryOf(s) <= at(q))
      continue;
    const accepted = stream.some(
      (e) => e.type === 'InvitationAccepted' && e.data.customerUserId === user,
    );
    if (!accepted) violations.push(`${show(d)} still waits though ${show(q)} while it was open`);
  }
  return violations;
}

/** Every event, in global order, and grouped by stream and by request. */
export async function readEverything(store: {
  readAll: (o: { after: bigint; maxCount: number }) => Promise<RecordedEvent[]>;
}) {
  const all: RecordedEvent[] = [];
  for (let batch = [] as RecordedEvent[]; ;) {
    batch = await store.readAll({ after: all.at(-1)?.position ?? 0n, maxCount: 1000 });
    all.push(...batch);
    if (batch.length < 1000) break;
  }
  const group = (key: (e: RecordedEvent) => string) =>
    all.reduce(
      (m, e) => m.set(key(e), [...(m.get(key(e)) ?? []), e]),
      new Map<string, RecordedEvent[]>(),
    );
  return {
    all,
    streams: group((e) => e.streamName),
    byRequest: group((e) => e.metadata.correlationId),
  };
}
