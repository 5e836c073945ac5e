import {
  DEAD_LETTER_REASON_HEADER,
  RETRY_COUNT_HEADER,
  deadLetterQueue,
  type DeadLetter,
  type MessageHeaders,
} from '../broker.port';
export { seededRandom, type Random } from '../../testing/seeded-random';

export type Fate = 'ok' | 'flaky' | 'doomed' | 'invalid';
/**
 * `stop-start`: a consumer is stopped, and its replacement started as its instance reconnects.
 * `cut-stop-start`: the connection drops, and the consumer is stopped as it subscribes again.
 */
export type Chaos = 'channel-error' | 'cut' | 'stop-start' | 'cut-stop-start';
export const dies = (fate: Fate) => fate === 'doomed' || fate === 'invalid';

/** One published copy; duplicates share the message id and differ in their `x-copy` header. */
export interface Copy {
  key: string;
  id: string;
  fate: Fate;
  /** flaky: handler failures before it succeeds (at most maxRetries). */
  failures: number;
  slowMs: number;
  body: Buffer;
  headers: Record<string, string>;
}

/** Names the copy a delivery or a dead letter carries: duplicates share the message id. */
export const copyKey = (messageId: string | undefined, headers: MessageHeaders) =>
  `${messageId}#${String(headers['x-copy'])}`;

/** One handler run of a copy. */
export interface Call {
  key: string;
  consumer: string;
  attempt: number;
  ok?: boolean;
  ended: boolean;
}

export interface Stop {
  label: string;
  runningThen: number;
  callsThen: number;
  /** Stopped as it subscribed again: still subscribed on that channel after the stop began. */
  leftSubscribed?: boolean;
}

/** What a run leaves behind to check. */
export interface ChaosRecord {
  calls: Call[];
  stops: Stop[];
  /** Every line the instances' brokers logged, prefixed with the instance's name. */
  logged: string[];
  /** Starts and closes that failed during a reconnect. */
  refused: string[];
  /** Messages per queue once every instance closed. */
  left: Record<string, number>;
  dead: DeadLetter[];
}

export const callsOf = (calls: Call[], label: string) => calls.filter((c) => c.consumer === label);
export const running = (calls: Call[], label: string) =>
  callsOf(calls, label).filter((c) => !c.ended).length;

const deadOf = ({ dead }: ChaosRecord, key: string) =>
  dead.filter((d) => copyKey(d.messageId, d.headers) === key);

/** Each copy handled or dead-lettered, never both and never neither; no dead letter unplanned. */
export function checkSettledOnce(copies: Copy[], record: ChaosRecord) {
  const planned = new Set(copies.map((c) => c.key));
  const violations: string[] = [];
  for (const c of copies) {
    const ok = record.calls.some((k) => k.key === c.key && k.ok);
    const deadLettered = deadOf(record, c.key).length > 0;
    const what = `${c.key} (${c.fate})`;
    if (ok && deadLettered) violations.push(`${what} handled and dead-lettered`);
    if (!ok && !deadLettered) violations.push(`${what} neither handled nor dead-lettered`);
    if (dies(c.fate) !== deadLettered) violations.push(`${what} dead-lettered: ${deadLettered}`);
  }
  for (const d of record.dead) {
    const key = copyKey(d.messageId, d.headers);
    if (!planned.has(key)) violations.push(`unplanned dead letter ${key}: ${d.reason}`);
  }
  return violations;
}

/** A surviving copy succeeds on the attempt right after its last planned failure. */
export function checkSuccessAttempts(copies: Copy[], { calls }: ChaosRecord) {
  return copies
    .filter((c) => !dies(c.fate))
    .flatMap((c) =>
      calls
        .filter((k) => k.key === c.key && k.ok && k.attempt !== c.failures)
        .map((k) => `${c.key} (${c.fate}) succeeded on attempt ${k.attempt}, not ${c.failures}`),
    );
}

/**
 * A doomed copy is tried on every attempt and an invalid one never; each dead letter keeps
 * the body, headers and type, and says why (and, when doomed, after how many retries).
 */
export function checkDeadLetters(
  copies: Copy[],
  record: ChaosRecord,
  { maxRetries, type }: { maxRetries: number; type: string },
) {
  const violations: string[] = [];
  for (const c of copies.filter((c) => dies(c.fate))) {
    const attempts = new Set(record.calls.filter((k) => k.key === c.key).map((k) => k.attempt));
    if (attempts.size !== (c.fate === 'doomed' ? maxRetries + 1 : 0)) {
      violations.push(`${c.key} (${c.fate}) tried on attempts ${[...attempts].join(',')}`);
    }
    const reason =
      c.fate === 'doomed'
        ? `handler failed: doomed ${c.key} on attempt ${maxRetries}`
        : 'invalid JSON: ';
    for (const d of deadOf(record, c.key)) {
      const problems = [
        d.body !== c.body.toString('utf8') && 'body changed',
        !d.reason.startsWith(reason) && `reason "${d.reason}"`,
        d.headers[DEAD_LETTER_REASON_HEADER] !== d.reason && 'no reason header',
        d.type !== type && `type ${d.type}`,
        Object.entries(c.headers).some(([k, v]) => d.headers[k] !== v) && 'headers lost',
        c.fate === 'doomed' &&
          d.headers[RETRY_COUNT_HEADER] !== maxRetries &&
          `retry count ${String(d.headers[RETRY_COUNT_HEADER])}`,
      ].filter(Boolean);
      if (problems.length) violations.push(`${c.key}: ${problems.join(', ')}`);
    }
  }
  return violations;
}

/** Only the dead-letter queue keeps messages: anything else was lost unacked or never handled. */
export function checkQueuesDrained(queue: string, { left }: ChaosRecord) {
  return Object.entries(left)
    .filter(([q, n]) => q !== deadLetterQueue(queue) && n > 0)
    .map(([q, n]) => `${n} messages left in ${q}`);
}

/** Once a stop resolved, none of that consumer's handlers run, nor start. */
export function checkStopsHeld({ stops, calls }: ChaosRecord) {
  return stops.flatMap((s) => {
    const later = callsOf(calls, s.label).length - s.callsThen;
    return [
      ...(s.runningThen > 0 ? [`${s.label}: ${s.runningThen} handlers running then`] : []),
      ...(later > 0 ? [`${s.label}: ${later} messages handled after`] : []),
    ];
  });
}

/**
 * Each break may at most redeliver what was in flight, so handler runs per copy stay under
 * the attempts doubled per break, and failed settles under what the prefetches held per break.
 */
export function checkNoHotLoop(
  copies: Copy[],
  { calls, logged }: ChaosRecord,
  { maxRetries, breaks, prefetch }: { maxRetries: number; breaks: number; prefetch: number },
) {
  const perCopy = (maxRetries + 1) * 2 ** breaks;
  const violations = copies.flatMap((c) => {
    const n = calls.filter((k) => k.key === c.key).length;
    return n > perCopy ? [`${c.key} (${c.fate}) handled ${n} times, over ${perCopy}`] : [];
  });
  const failedSettles = logged.filter((m) => m.includes('could not settle')).length;
  if (failedSettles > 2 * breaks * prefetch) violations.push(`${failedSettles} failed settles`);
  return violations;
}
