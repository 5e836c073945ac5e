import type { Channel, Message } from 'amqplib';

/**
 * The acks of one channel, sent once per turn of the event loop: the settled
 * messages at the front of the unacked ones go as one `multiple` ack, any
 * other settled one alone. Handlers that finish together (their appends
 * shared a commit) cost the broker one ack frame instead of one each.
 * One per channel, for as long as the channel lives: delivery tags, and
 * what a `multiple` ack covers, belong to the channel, not to a consumer.
 */
export class AckBatcher {
  /** Delivered and neither acked nor forgotten, in delivery (tag) order. */
  private readonly unacked: Message[] = [];
  private readonly settled = new Set<Message>();
  private flushing?: Promise<void>;

  constructor(private readonly channel: Pick<Channel, 'ack'>) {}

  /** Call for every delivery, in the order the channel delivers them. */
  delivered(message: Message): void {
    this.unacked.push(message);
  }

  /** Resolves once the ack is handed to the channel; rejects if the channel is gone. */
  ack(message: Message): Promise<void> {
    this.settled.add(message);
    this.flushing ??= new Promise((resolve, reject) =>
      setImmediate(() => {
        this.flushing = undefined;
        try {
          this.flush();
          resolve();
        } catch (error) {
          reject(error);
        }
      }),
    );
    return this.flushing;
  }

  /** A message settled some other way (nacked): a `multiple` ack must pass over it. */
  forget(message: Message): void {
    const i = this.unacked.indexOf(message);
    if (i >= 0) this.unacked.splice(i, 1);
  }

  private flush(): void {
    let last: Message | undefined;
    while (this.unacked.length && this.settled.has(this.unacked[0])) {
      last = this.unacked.shift()!;
      this.settled.delete(last);
    }
    const rest = [...this.settled];
    this.settled.clear();
    rest.forEach((message) => this.forget(message));
    if (last) this.channel.ack(last, true);
    for (const message of rest) this.channel.ack(message);
  }
}
