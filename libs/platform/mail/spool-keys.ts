import { randomUUID } from 'node:crypto';

/** Keys of sent messages whose saves failed twice, kept against a late row: the newest this many. */
const SENT_KEYS_KEPT = 10_000;

/** What a refill does with a row it read: take it in, or leave it to the message held in memory. */
export type RowFound = 'take' | 'placed' | 'remove';

/**
 * The keys a mail queue saves under, and what it remembers of them so that a
 * refill never takes in a message the queue already has:
 * - a save not answered yet, whose row a refill can read first (the answer is
 *   then ignored);
 * - saves that failed twice though the first may have been written (its answer
 *   lost): the message is held in memory, and a refill meeting its row gives
 *   that message its place, or, once it was sent, removes the row.
 */
export class SpoolKeys<Held extends { spoolId?: number }> {
  // Unique to this queue, and rising, so the spool's index of keys only grows at its end.
  private readonly prefix = randomUUID();
  private saves = 0;
  /** Keys of saves not answered yet, and whether a refill has taken the row in. */
  private readonly unanswered = new Map<string, boolean>();
  private readonly held = new Map<string, Held>();
  private readonly sent = new Set<string>();

  /** A key for the next save, which stays unanswered until `answered`. */
  next(): string {
    const key = `${this.prefix}:${String((this.saves += 1)).padStart(15, '0')}`;
    this.unanswered.set(key, false);
    return key;
  }

  /** The save under `key` was answered, or failed for good: whether a refill took its row first. */
  answered(key: string): boolean {
    const taken = this.unanswered.get(key) ?? false;
    this.unanswered.delete(key);
    return taken;
  }

  /** The saves under `key` failed twice: `message` is held in memory in its stead. */
  holdUnsaved(key: string, message: Held): void {
    this.held.set(key, message);
  }

  /** The message held under `key` was sent or given up: a row of it found later is removed. */
  done(key: string): void {
    if (!this.held.delete(key)) return;
    this.sent.add(key);
    if (this.sent.size > SENT_KEYS_KEPT) this.sent.delete(this.sent.values().next().value!);
  }

  /** A refill read the row `id` saved under `key`. */
  found(key: string | undefined, id: number): RowFound {
    if (key === undefined) return 'take';
    if (this.unanswered.has(key)) this.unanswered.set(key, true);
    const held = this.held.get(key);
    if (held) {
      held.spoolId = id; // the save did commit: the message in memory is the one sent
      this.held.delete(key);
      return 'placed';
    }
    return this.sent.delete(key) ? 'remove' : 'take';
  }
}
