import type { EventStore } from '../../../libs/event-store';
import type { FixedWindowLimiter } from '../../../libs/platform/rate-limit/fixed-window-limiter';
import type { LoginThrottle } from '../../identity/login/login-throttle';
import type { Broker } from '../../../libs/messaging';
import type { LeaseStore } from '../../../libs/read-store/coordination.port';
import type { ReadModels } from '../../../libs/read-store/read-models.port';
import type { Projection } from '../projector/projection';
import type { ProgressBar } from './progress-bar';

/** What the ops commands work on, opened once per invocation. */
export interface OpsContext {
  eventStore: EventStore;
  readModels: ReadModels;
  leases: LeaseStore;
  projections: readonly Projection[];
  /** The broker; with no RABBITMQ_URL it is this process's own in-process bus. */
  broker: Broker;
  /** Whether `broker` is the shared RabbitMQ (dead letters and re-publishing reach the services). */
  sharedBroker: boolean;
  /** The limiters the services count with, on the same shared counters. */
  rateLimits: {
    logins: LoginThrottle;
    invitations: FixedWindowLimiter;
    registrations: FixedWindowLimiter;
  };
  out(line: string): void;
  bar(label: string, total: number): ProgressBar;
  /** Aborted by Ctrl-C (or SIGTERM): long commands stop between batches or streams. */
  signal?: AbortSignal;
}

/** A command's failure that is reported as one line and exit code 1. */
export class OpsError extends Error {}

/** Ctrl-C or SIGTERM stopped a command between two commits: exit code 130. */
export class OpsInterrupted extends OpsError {
  constructor() {
    super(
      'interrupted: what was committed stays, and running the command again goes on from there',
    );
  }
}

/**
 * One record a line, its fields split by tabs. A field's control characters
 * (tabs, line breaks, terminal escapes, from a dead letter's body, say), line
 * and paragraph separators, and the marks that reorder text on screen are
 * printed as `\uXXXX`, so a record stays one line and prints as it reads.
 */
export const recordLine = (fields: readonly string[]): string =>
  fields.map((f) => f.replace(UNPRINTABLE, (c) => `\\u${hex4(c)}`)).join('\t');

const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
const hex4 = (c: string) => c.charCodeAt(0).toString(16).padStart(4, '0');

/** The projections named, or every one for `all` alone; an unknown name lists the known ones. */
export function projectionsNamed(ctx: OpsContext, names: string[]): readonly Projection[] {
  if (names.includes('all')) {
    if (names.length > 1) throw new OpsError('`all` is every projection: name no other with it');
    return ctx.projections;
  }
  return [...new Set(names)].map((name) => {
    const found = ctx.projections.find((p) => p.name === name);
    if (found) return found;
    const known = ctx.projections.map((p) => p.name).join(', ');
    throw new OpsError(`unknown projection ${name} (known: ${known}, or all)`);
  });
}

/**
 * The last position of a `--from <pos> [--to <pos>]` range: `--to`, or else
 * the store's head. A `--from` past the head is refused with `--to` too: a
 * mistyped one passed as "0 streams replayed" with exit 0.
 */
export async function rangeEnd(eventStore: EventStore, from: bigint, to?: bigint): Promise<bigint> {
  if (to !== undefined && to < from) throw new OpsError('--to must not be before --from');
  const head = await eventStore.headPosition();
  if (head < from) throw new OpsError(`--from ${from} is past the store's last position (${head})`);
  return to ?? head;
}
