import type { MailSpool } from '../mail-spool';
import type { Mailer } from '../mailer';
import { recordOutcome, type MailChaosRecord, type Run } from './mail-chaos-invariants';

const never = () => new Promise<never>(() => undefined);

/**
 * A process that can die mid-run. Its spool and mailer count their calls, and a crash run
 * dies at call `run.crashAt` (or when `die` is called): from then on nothing it does is seen,
 * and `onDeath` records the run's end as it stood at that moment.
 */
export function crashableProcess(
  inner: MailSpool,
  run: Run,
  record: MailChaosRecord,
  onDeath: () => void,
) {
  let died!: () => void;
  const death = new Promise<void>((resolve) => (died = resolve));
  const die = () => {
    run.alive = false;
    faultySpool.crash();
    onDeath();
    died();
  };
  const event = () => {
    run.events += 1;
    if (run.alive && run.events === run.crashAt) die();
  };
  const faultySpool = chaosSpool(inner, run, record, event);
  return {
    spool: faultySpool.spool,
    mailer: chaosMailer(run, record, event),
    death,
    die,
    /** The crashed process's file is closed by the OS: what its thread held is committed. */
    closeSpoolFile: faultySpool.closeInner,
  };
}

/**
 * The real spool behind a door the test controls: saves fail as planned, the thread
 * "dies" after a commit (every call it held fails, and the next calls wait until it is
 * gone, as a restarted thread would), and at a crash every answer and later call is lost
 * while what the thread already holds is committed, as if the process had died just then.
 */
function chaosSpool(inner: MailSpool, run: Run, record: MailChaosRecord, event: () => void) {
  const { mails, rowOf, removed, problems } = record;
  let crashed = false;
  let closed = false;
  let restarted: Promise<unknown> = Promise.resolve();
  const outstanding = new Map<(error: Error) => void, { retry: boolean }>();
  const forwarded = new Set<Promise<unknown>>();
  const tried = new Set<string>();
  const rowOfKey = new Map<string, number>();
  let innerClosed: Promise<void> | undefined;
  const closeInner = () => (innerClosed ??= inner.close());

  const die = () => {
    const error = new Error('mail-spool thread exited (1)');
    for (const fail of [...outstanding.keys()]) fail(error);
    restarted = Promise.allSettled([...forwarded]);
  };

  function call<T>(
    forward: () => Promise<T>,
    opts: { fail?: boolean; dies?: boolean; retry?: boolean; seen?: (value: T) => void } = {},
  ): Promise<T> {
    event();
    if (crashed || closed) return never();
    return new Promise<T>((resolve, reject) => {
      const fail = (error: Error) => {
        outstanding.delete(fail);
        reject(error);
      };
      outstanding.set(fail, { retry: opts.retry ?? false });
      void restarted.then(() => {
        if (crashed || !outstanding.has(fail)) return;
        if (opts.fail) return fail(new Error('SQLITE_FULL: database or disk is full'));
        const p = forward();
        forwarded.add(p);
        p.then(
          (value) => {
            forwarded.delete(p);
            opts.seen?.(value);
            if (crashed || !outstanding.has(fail)) return;
            // A thread dies at most once at a time: never while a retry is out.
            const retrying = [...outstanding.values()].some((o) => o.retry);
            if (opts.dies && !retrying) return die();
            outstanding.delete(fail);
            resolve(value);
          },
          (error: Error) => {
            forwarded.delete(p);
            if (!crashed && outstanding.has(fail)) fail(error);
          },
        );
      });
    });
  }

  const spool: MailSpool = {
    save(message, label, key) {
      const retry = tried.has(key);
      tried.add(key);
      const save = mails.get(label)!.save;
      return call(() => inner.save(message, label, key), {
        retry,
        fail:
          save === 'both fail' ||
          (save === 'first fails' && !retry) ||
          (save === 'dies, then fails' && retry),
        dies: save.startsWith('dies') && !retry,
        seen: (id) => {
          rowOf.set(label, id);
          rowOfKey.set(key, id);
        },
      });
    },
    remove(place) {
      // Handed to the thread, a removal is committed: the thread finishes what it holds.
      return call(() => {
        const id = 'id' in place ? place.id : rowOfKey.get(place.key);
        if (id !== undefined) removed.add(id);
        return inner.remove(place);
      });
    },
    pending(afterId, limit) {
      run.reads += 1;
      return call(() => inner.pending(afterId, limit), {
        seen: (rows) => {
          for (const row of rows) {
            rowOf.set(row.label, row.id);
            const mail = mails.get(row.label);
            if (!mail || JSON.stringify(mail.message) !== JSON.stringify(row.message))
              problems.intact.push(
                `run ${run.n}: row ${row.id} came back as ${JSON.stringify(row)}`,
              );
          }
        },
      });
    },
    async close() {
      closed = true; // the process exits once the queue has closed: later calls are lost
      await restarted;
      await closeInner();
    },
  };
  return {
    spool,
    crash: () => void (crashed = true),
    /** Closes the file once, whether the queue or the crash gets there first. */
    closeInner,
  };
}

/** A mail server that fails, hangs or takes its time as each message's plan says. */
function chaosMailer(run: Run, record: MailChaosRecord, event: () => void): Mailer {
  const { byAddress, rowOf, notSpooled, problems } = record;
  return {
    async send(message) {
      event();
      if (!run.alive) return never();
      const mail = byAddress.get(message.to);
      if (!mail || JSON.stringify(mail.message) !== JSON.stringify(message)) {
        problems.intact.push(`run ${run.n}: sent ${JSON.stringify(message)}`);
        return;
      }
      const { label } = mail;
      run.sends += 1;
      const tries = (run.triesOf.get(label) ?? 0) + 1;
      run.triesOf.set(label, tries);
      const id = rowOf.get(label);
      if (tries === 1 && id !== undefined && !notSpooled.has(label)) run.firstIds.push(id);
      run.inFlight.add(label);
      const { send } = mail;
      if (send.kind === 'slow') await new Promise((done) => setTimeout(done, send.ms));
      if (!run.alive) return never(); // the process died while the server took its time
      run.inFlight.delete(label);
      mail.offers += 1;
      if (send.kind === 'broken' || (send.kind === 'flaky' && mail.offers <= send.failures))
        throw new Error(`451 try again later (${label})`);
      run.sent.push(label);
      recordOutcome(record, run, label, 'delivered');
    },
    close: () => undefined,
  };
}
