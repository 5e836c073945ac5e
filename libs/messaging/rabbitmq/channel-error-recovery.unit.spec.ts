import type { Channel } from 'amqplib';
import { EventEmitter } from 'node:events';
import { channelErrorRecovery } from './channel-error-recovery';

describe('channelErrorRecovery', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A manager that counts reconnects, connected until told otherwise. */
  const managerOf = (connected = true) => {
    const state = { connected, reconnects: 0 };
    const manager = {
      connection: undefined,
      isConnected: () => state.connected,
      reconnect: () => void (state.reconnects += 1),
    };
    return { state, manager };
  };

  describe('when RabbitMQ closes watched channels over errors close together', () => {
    it('logs each and reconnects the connection once', () => {
      const { state, manager } = managerOf();
      const logs: string[] = [];
      const watch = channelErrorRecovery(manager, (m) => logs.push(m), 5);
      const [consumer, publisher] = [new EventEmitter(), new EventEmitter()];
      watch(consumer as unknown as Channel, 'orders');
      watch(publisher as unknown as Channel, 'publisher');

      consumer.emit('error', new Error('406 unknown delivery tag'));
      publisher.emit('error', new Error('404 no exchange'));
      expect(state.reconnects).toBe(0); // not at once: errors close together share one
      jest.advanceTimersByTime(5);

      expect(state.reconnects).toBe(1);
      expect(logs).toEqual([
        'orders: RabbitMQ closed the channel (406 unknown delivery tag); reconnecting',
        'publisher: RabbitMQ closed the channel (404 no exchange); reconnecting',
      ]);
    });
  });

  describe('when the error comes back after every reconnect', () => {
    it('waits twice as long each time, up to a minute, until a reconnect stays quiet', () => {
      const { state, manager } = managerOf();
      const logs: string[] = [];
      const watch = channelErrorRecovery(manager, (m) => logs.push(m), 1_000);
      const channel = new EventEmitter();
      watch(channel as unknown as Channel, 'orders');
      const waits: number[] = [];
      for (let i = 0; i < 8; i++) {
        const before = state.reconnects;
        channel.emit('error', new Error('406 PRECONDITION_FAILED'));
        let waited = 0;
        while (state.reconnects === before) {
          jest.advanceTimersByTime(500);
          waited += 500;
        }
        waits.push(waited);
        jest.advanceTimersByTime(100); // the error comes back soon after each reconnect
      }
      expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
      expect(logs[1]).toMatch(/reconnecting in 2 s, as it came back after the last one$/);

      jest.advanceTimersByTime(30_000);
      channel.emit('error', new Error('406 PRECONDITION_FAILED'));
      jest.advanceTimersByTime(1_000);
      expect(state.reconnects).toBe(9); // a new run starts at the first wait again
    });
  });

  describe('when the connection is down by the time the wait is over', () => {
    it('leaves the reconnecting to the connection manager', () => {
      const { state, manager } = managerOf();
      const watch = channelErrorRecovery(manager, () => undefined, 5);
      const channel = new EventEmitter();
      watch(channel as unknown as Channel, 'orders');

      channel.emit('error', new Error('channel closed'));
      state.connected = false;
      jest.advanceTimersByTime(5);

      expect(state.reconnects).toBe(0);
    });
  });
});
