import type { CloudEvent } from '../../contracts';
import type { RecordedEvent } from '../../event-store/event-store.port';
import { waitFor } from '../../testing/wait-for';
import type { Instance } from './forwarder-chaos-faults';

/** A broker outage or cut as it happened, with the publish attempts made meanwhile. */
export interface Downtime {
  from: number;
  to: number;
  tries: number;
}

/** A checkpoint save the store took; `seq` places it among the broker's confirms. */
export interface Save {
  position: bigint;
  seq: number;
  owner: string;
}

export type ChaosRecord = ReturnType<typeof recordChaos>;

/**
 * What the instances did, in one order: what reached the broker and when it
 * was confirmed, the checkpoint saves, the lease grants and the broker's
 * downtimes. Breaches seen as they happen go to `violations`.
 */
export function recordChaos() {
  let seq = 0; // orders confirmations and checkpoint saves
  let downtime: Downtime | undefined;
  const record = {
    violations: new Set<string>(),
    /** What the instances reported; a failure shows the last of them. */
    errors: [] as string[],
    /** Event ids in the order they reached the broker. */
    handed: [] as string[],
    confirmedAt: new Map<string, number>(),
    saves: [] as Save[],
    downtimes: [] as Downtime[],
    /** The owner last granted the lease. */
    holder: undefined as string | undefined,
    isDown: () => downtime !== undefined,
    /** Starts a downtime; the function returned ends it. */
    down() {
      downtime = { from: Date.now(), to: Infinity, tries: 0 };
      record.downtimes.push(downtime);
      return () => {
        downtime!.to = Date.now();
        downtime = undefined;
      };
    },
    /** Once `stop()` has returned, an instance calls nothing. */
    atWork(me: Instance) {
      if (me.stop === 'stopped')
        record.violations.add(`${me.owner} still at work after stop() returned`);
    },
    /** A publish attempt: counted against the downtime, and made by the one active instance. */
    publishing(me: Instance, live: Instance[]) {
      record.atWork(me);
      if (downtime) downtime.tries += 1;
      if (!me.forwarder.isActive()) record.violations.add(`${me.owner} published while inactive`);
      for (const rival of live.filter((i) => i !== me && i.forwarder.isActive()))
        record.violations.add(`${me.owner} published while ${rival.owner} was active`);
    },
    confirmed(events: CloudEvent[]) {
      seq += 1;
      for (const e of events) if (!record.confirmedAt.has(e.id)) record.confirmedAt.set(e.id, seq);
    },
    saved(position: bigint, owner: string) {
      record.saves.push({ position, seq: ++seq, owner });
    },
    /**
     * Looks between the turns of the event loop for more than one instance
     * active at once; returns what stops looking.
     */
    watchActive(live: () => Instance[]) {
      const sampler = setInterval(() => {
        const active = live().filter((i) => i.forwarder.isActive());
        if (active.length > 1)
          record.violations.add(`${active.map((i) => i.owner)} active together`);
      }, 5);
      return () => clearInterval(sampler);
    },
  };
  return record;
}

/** Ids derive from the event: every copy received, duplicates included, is the event's mapping. */
function checkReceived(
  received: CloudEvent[],
  byId: Map<string, RecordedEvent>,
  map: (e: RecordedEvent) => CloudEvent | null,
): string[] {
  return received
    .filter((e) => {
      const recorded = byId.get(e.id);
      return !recorded || JSON.stringify(e) !== JSON.stringify(map(recorded));
    })
    .map((e) => `received ${e.id}, which is no mapped event`);
}

/** Each stream's events reach the broker first in stream order. */
function checkStreamOrder(handed: string[], byId: Map<string, RecordedEvent>): string[] {
  const violations: string[] = [];
  const last = new Map<string, number>();
  for (const id of new Set(handed)) {
    const e = byId.get(id)!;
    if ((last.get(e.streamName) ?? -1) > e.revision)
      violations.push(`${e.streamName}@${e.revision} first published after a later revision`);
    last.set(e.streamName, e.revision);
  }
  return violations;
}

/** The checkpoint never moves back, nor past an event the broker has not confirmed. */
function checkCheckpoints(
  { saves, confirmedAt }: Pick<ChaosRecord, 'saves' | 'confirmedAt'>,
  mapped: RecordedEvent[],
): string[] {
  const violations: string[] = [];
  saves.forEach((s, i) => {
    if (i > 0 && s.position < saves[i - 1].position)
      violations.push(`${s.owner} moved the checkpoint back to ${s.position}`);
    const ahead = mapped.find(
      (e) => e.position <= s.position && !((confirmedAt.get(e.eventId) ?? Infinity) < s.seq),
    );
    if (ahead)
      violations.push(`${s.owner} saved ${s.position} before ${ahead.position} was confirmed`);
  });
  return violations;
}

/** Down is not busy: publish attempts while the broker is down stay at about one a renewal. */
function checkDowntimes(downtimes: Downtime[], ttlMs: number): string[] {
  return downtimes
    .filter(({ from, to, tries }) => tries > 3 + 2 * Math.ceil((to - from) / (ttlMs / 3)))
    .map(({ from, to, tries }) => `${tries} publish attempts in a ${to - from} ms outage`);
}

/**
 * Once the chaos is over, every mapped event reaches the consumer and the lag
 * falls to 0 within `drainMs`; then what the record holds is checked. Adds
 * each violation to the record's, after those seen during the run.
 */
export async function checkAfterChaos(
  record: ChaosRecord,
  seen: {
    /** The events the forwarders must publish, in store order. */
    mapped: RecordedEvent[];
    received: CloudEvent[];
    map: (e: RecordedEvent) => CloudEvent | null;
    lag: () => Promise<bigint>;
    drainMs: number;
    ttlMs: number;
  },
) {
  const { mapped, received, lag, drainMs } = seen;
  const byId = new Map(mapped.map((e) => [e.eventId, e]));
  const missing = () => {
    const ids = new Set(received.map((e) => e.id));
    return mapped.filter((e) => !ids.has(e.eventId));
  };
  await waitFor(async () => missing().length === 0 && (await lag()) === 0n, {
    timeoutMs: drainMs,
  }).catch(async () =>
    record.violations.add(
      `${drainMs} ms after the chaos, ${missing().length} of ${mapped.length} events ` +
        `not received and a lag of ${await lag()}`,
    ),
  );
  for (const violation of [
    ...checkReceived(received, byId, seen.map),
    ...checkStreamOrder(record.handed, byId),
    ...checkCheckpoints(record, mapped),
    ...checkDowntimes(record.downtimes, seen.ttlMs),
  ])
    record.violations.add(violation);
}
