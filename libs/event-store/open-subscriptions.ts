import type { Subscription } from './event-store.port';

/**
 * The subscriptions a store has open, so that closing the store stops them
 * first: their `done` resolves, where a read on the closed store would fail.
 */
export class OpenSubscriptions {
  private readonly open = new Set<Subscription>();

  track(subscription: Subscription): Subscription {
    this.open.add(subscription);
    const forget = () => this.open.delete(subscription);
    subscription.done.then(forget, forget);
    return subscription;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.open].map((s) => s.stop()));
  }
}
