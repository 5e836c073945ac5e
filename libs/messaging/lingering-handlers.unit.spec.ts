import { LingeringHandlers, stopLingering } from './lingering-handlers';

describe('LingeringHandlers', () => {
  describe('when a handler given up on never settles', () => {
    it('waits one handler timeout at most, then says how many were left', async () => {
      const lingering = new LingeringHandlers();
      lingering.add(new Promise(() => undefined));
      lingering.add(Promise.reject(new Error('failed later')));
      const logged: string[] = [];
      const spec = { queue: 'q', handlerTimeoutMs: 20 } as Parameters<typeof stopLingering>[1];
      await stopLingering(lingering, spec, (m) => logged.push(m), Date.now());
      expect(logged).toEqual([
        'q: 1 handlers given up on were still running as the consumer stopped',
      ]);
    });
  });

  describe('when the handlers in flight took the stop’s whole wait already', () => {
    it('waits no longer, and says how many were left', async () => {
      const lingering = new LingeringHandlers();
      lingering.add(new Promise(() => undefined));
      const logged: string[] = [];
      const spec = { queue: 'q', handlerTimeoutMs: 60_000 } as Parameters<typeof stopLingering>[1];
      await stopLingering(lingering, spec, (m) => logged.push(m), Date.now() - 5_000);
      expect(logged).toHaveLength(1);
    });
  });

  describe('when handlers that never settle keep being given up on', () => {
    it('keeps no more than its bound of them', async () => {
      const lingering = new LingeringHandlers(3);
      for (let i = 0; i < 5; i++) lingering.add(new Promise(() => undefined));
      await expect(lingering.settle(0)).resolves.toBe(3);
    });
  });

  describe('when none is left', () => {
    it('does not wait', async () => {
      await expect(new LingeringHandlers().settle(60_000)).resolves.toBe(0);
    });
  });
});
