import { LingeringHandlers, stopLingering } from './lingering-handlers';

describe('LingeringHandlers', () => {
  describe('when a handler given up on never settles', () => {
    it('waits one handler timeout at most, then says how many were left', async () => {
      const lingering = new LingeringHandlers();
      lingering.add(new Promise(() => undefined));
      lingering.add(Promise.reject(new Error('failed later')));
      const logged: string[] = [];
      const spec = { queue: 'q', handlerTimeoutMs: 20 } as Parameters<typeof stopLingering>[1];
      await stopLingering(lingering, spec, (m) => logged.push(m));
      expect(logged).toEqual([
        'q: 1 handlers given up on were still running as the consumer stopped',
      ]);
    });
  });

  describe('when none is left', () => {
    it('does not wait', async () => {
      await expect(new LingeringHandlers().settle(60_000)).resolves.toBe(0);
    });
  });
});
