import Database from 'better-sqlite3';
import type { MailMessage } from '../mailer';

/** How the mail server treats a message, every time it is offered. */
export type Send =
  | { kind: 'ok' }
  | { kind: 'flaky'; failures: number }
  | { kind: 'broken' }
  | { kind: 'slow'; ms: number };
/**
 * How the spool takes its save: `first fails` fails the first try before its commit,
 * `both fail` both tries (held in memory only), `dies` commits the first try and then the
 * spool's thread dies, failing every call it held; `dies, then fails` fails the retry too,
 * so the message is held in memory though its row is on disk.
 */
export type Save = 'ok' | 'first fails' | 'both fail' | 'dies' | 'dies, then fails';

export interface Mail {
  label: string;
  message: MailMessage;
  send: Send;
  save: Save;
  /** Offers to the mail server, across runs. */
  offers: number;
}

export interface Run {
  n: number;
  end: 'crash' | 'close';
  alive: boolean;
  /** Mailer and spool calls so far; a crash run dies at call `crashAt`. */
  events: number;
  crashAt: number;
  enqueued: number;
  reads: number;
  sends: number;
  triesOf: Map<string, number>;
  /** Spool ids of the messages offered for the first time in this run, in offer order. */
  firstIds: number[];
  inFlight: Set<string>;
  sent: string[];
  reported: string[];
  closeTimeoutMs: number;
  closeMs?: number;
}

/** What the runs did to each message, as the doubles and the queue's callbacks saw it. */
export interface MailChaosRecord {
  mails: Map<string, Mail>; // by label
  byAddress: Map<string, Mail>;
  /** Labels whose enqueue resolved while their run was alive. */
  promised: Set<string>;
  notSpooled: Set<string>;
  /** Held in memory only and gone with their run: allowed, and so not owed. */
  lost: Set<string>;
  outcomes: Map<string, string[]>;
  /** Why a label may have more than one outcome: its run ended between an outcome and its removal. */
  repeatable: Map<string, string[]>;
  /** What the spool file holds, as its thread answered (answers lost to a death included). */
  rowOf: Map<string, number>;
  removed: Set<number>;
  problems: { owed: string[]; repeats: string[]; intact: string[]; left: string[] };
}

export function createMailChaosRecord(): MailChaosRecord {
  return {
    mails: new Map(),
    byAddress: new Map(),
    promised: new Set(),
    notSpooled: new Set(),
    lost: new Set(),
    outcomes: new Map(),
    repeatable: new Map(),
    rowOf: new Map(),
    removed: new Set(),
    problems: { owed: [], repeats: [], intact: [], left: [] },
  };
}

export function recordOutcome(
  record: MailChaosRecord,
  run: Run,
  label: string,
  what: 'delivered' | 'given up',
) {
  const { outcomes } = record;
  outcomes.set(label, [...(outcomes.get(label) ?? []), `${what} in run ${run.n}`]);
}

/** What a run's end leaves owed or repeatable. */
export function endRun(record: MailChaosRecord, run: Run, timedOut: boolean) {
  const { outcomes, rowOf, removed, notSpooled, repeatable, lost, promised, problems } = record;
  for (const [label, seen] of outcomes) {
    if (!seen.some((s) => s.endsWith(`in run ${run.n}`))) continue;
    const id = rowOf.get(label);
    if (id === undefined || removed.has(id)) continue; // no row, or none left to send again
    if (run.end === 'close' && !timedOut)
      problems.repeats.push(`run ${run.n}: ${label} was left in the spool by a shutdown in time`);
    repeatable.set(label, [...(repeatable.get(label) ?? []), `run ${run.n} ended (${run.end})`]);
  }
  for (const label of notSpooled) {
    if (outcomes.has(label) || lost.has(label) || !promised.has(label)) continue;
    if (run.end === 'crash' || run.inFlight.has(label)) lost.add(label);
    else problems.owed.push(`run ${run.n}: ${label}, held in memory only, was dropped at shutdown`);
  }
}

/** Read straight from the file, past the spool, so nothing the spool believes hides a row. */
export function rowsLeftInSpool(path: string): string[] {
  const db = new Database(path, { readonly: true });
  const rows = db.prepare('SELECT id, label FROM mail_spool').all();
  db.close();
  return rows.map((row) => `left in the spool: ${JSON.stringify(row)}`);
}

/** Every promised message was delivered or given up, unless it was lost from memory. */
export function checkSettled(record: MailChaosRecord): string[] {
  const { promised, outcomes, lost, problems } = record;
  const owed = [...promised].filter((label) => !outcomes.has(label) && !lost.has(label));
  return [...problems.owed, ...owed.map((label) => `${label}: neither delivered nor given up`)];
}

/** A message has one outcome, plus one for each run that ended before its removal. */
export function checkRepeats(record: MailChaosRecord): string[] {
  const { outcomes, repeatable, problems } = record;
  const repeats = [...outcomes]
    .filter(([label, seen]) => seen.length > 1 + (repeatable.get(label)?.length ?? 0))
    .map(
      ([label, seen]) =>
        `${label}: ${seen.join(', ')}; repeatable: ${repeatable.get(label) ?? 'never'}`,
    );
  return [...problems.repeats, ...repeats];
}

/** A shutdown reports exactly what was sent; a crash may lose reports, never invent them. */
export function checkDeliveryReports(runs: Run[]): string[] {
  return runs.flatMap((run) => {
    const sent = [...run.sent].sort();
    const reported = [...run.reported].sort();
    const agree =
      run.end === 'close'
        ? JSON.stringify(sent) === JSON.stringify(reported)
        : reported.every((label) => sent.includes(label));
    return agree ? [] : [`run ${run.n}: sent ${sent.join(', ')}; reported ${reported.join(', ')}`];
  });
}

export function checkSpoolOrder(runs: Run[]): string[] {
  return runs.flatMap((run) =>
    run.firstIds.every((id, i) => i === 0 || run.firstIds[i - 1] < id)
      ? []
      : [`run ${run.n}: first offers in spool order ${run.firstIds.join(', ')}`],
  );
}

/** Failing sends must not spin: each is retried within its attempts, the spool read in bounds. */
export function checkOffersAndReads(runs: Run[], attempts: number): string[] {
  return runs.flatMap((run) => [
    ...[...run.triesOf]
      .filter(([, tries]) => tries > attempts)
      .map(([label, tries]) => `run ${run.n}: ${label} offered ${tries} times`),
    ...(run.reads > 5 + 2 * (run.enqueued + run.sends)
      ? [`run ${run.n}: ${run.reads} spool reads for ${run.enqueued} enqueued, ${run.sends} sent`]
      : []),
  ]);
}

/** A second of slack covers the event loop under load, not a close that waits on a hung send. */
export function checkCloseTimes(runs: Run[]): string[] {
  return runs
    .filter((run) => run.closeMs !== undefined && run.closeMs > run.closeTimeoutMs + 1_000)
    .map((run) => `run ${run.n}: close took ${run.closeMs} ms of ${run.closeTimeoutMs}`);
}
