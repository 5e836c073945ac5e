import { restartingThread, ThreadCalls } from './thread-calls';

type Body = { n: number; fail?: boolean; slowMs?: number; die?: boolean };
type Result = { n: number; messages: number };

describe('ThreadCalls', () => {
  let thread: ThreadCalls<Body, Result>;
  beforeEach(
    () => (thread = new ThreadCalls(__dirname, 'thread-calls-echo', {}, { gather: true })),
  );
  afterEach(() => thread.close());

  describe('when gathered calls are made while the thread is busy', () => {
    it('sends the first at once, the rest together, and answers each with its own reply', async () => {
      const replies = await Promise.all([1, 2, 3, 4].map((n) => thread.call({ n })));
      expect(replies).toEqual([
        { n: 1, messages: 1 },
        { n: 2, messages: 2 },
        { n: 3, messages: 2 },
        { n: 4, messages: 2 },
      ]);
      expect(await thread.call({ n: 5 })).toEqual({ n: 5, messages: 3 });
    });
  });

  describe('when calls are not gathered', () => {
    it('sends each at once', async () => {
      const single = new ThreadCalls<Body, Result>(__dirname, 'thread-calls-echo', {});
      const replies = await Promise.all([1, 2, 3].map((n) => single.call({ n })));
      await single.close();
      expect(replies.map((r) => r.messages)).toEqual([1, 2, 3]);
    });
  });

  describe('when one call fails in the thread', () => {
    it('rejects that call alone, with the error it threw', async () => {
      const [ok, failed] = await Promise.allSettled([
        thread.call({ n: 1 }),
        thread.call({ n: 2, fail: true }),
      ]);
      expect(ok).toMatchObject({ status: 'fulfilled', value: { n: 1 } });
      expect(failed).toMatchObject({
        status: 'rejected',
        reason: { name: 'RangeError', message: 'call 2 failed' },
      });
    });
  });

  describe('when closed with a call in flight', () => {
    it('answers the call before the thread exits', async () => {
      const slow = thread.call({ n: 1, slowMs: 50 });
      await thread.close();
      await expect(slow).resolves.toMatchObject({ n: 1 });
    });
  });

  describe('when a restarting thread dies', () => {
    it('fails the call in flight and starts the thread again for the next call', async () => {
      const restarting = restartingThread<Body, Result>(__dirname, 'thread-calls-echo', {});
      try {
        expect(await restarting.call({ n: 1 })).toEqual({ n: 1, messages: 1 });
        await expect(restarting.call({ n: 2, die: true })).rejects.toThrow(/exited \(3\)/);
        expect(await restarting.call({ n: 3 })).toEqual({ n: 3, messages: 1 });
      } finally {
        await restarting.close();
      }
    });
  });

  describe('when a restarting thread has been closed', () => {
    it('refuses later calls rather than starting a thread nobody would close', async () => {
      const restarting = restartingThread<Body, Result>(__dirname, 'thread-calls-echo', {});
      expect(await restarting.call({ n: 1 })).toEqual({ n: 1, messages: 1 });
      await restarting.close();
      await expect(restarting.call({ n: 2 })).rejects.toThrow('thread-calls-echo thread is closed');
      restarting.start();
      await restarting.close();
    });
  });

  describe('when a restarting thread keeps dying before it answers anything', () => {
    const dying = (firstMs: number) =>
      restartingThread<Body, Result>(
        __dirname,
        'thread-calls-echo',
        { dieAtStart: true },
        { restartBackoff: { firstMs, maxMs: firstMs } },
      );

    it('starts it again at once the first time, then fails calls meanwhile with its death as the cause', async () => {
      const restarting = dying(60_000);
      await expect(restarting.call({ n: 1 })).rejects.toThrow(/exited \(4\)/);
      await expect(restarting.call({ n: 2 })).rejects.toThrow(/exited \(4\)/);
      const waiting = await restarting.call({ n: 3 }).then(
        () => new Error('answered'),
        (error: Error) => error,
      );
      expect(waiting.message).toMatch(/died 2 times in a row .*next start in \d+ ms/);
      expect((waiting.cause as Error).message).toMatch(/exited \(4\)/);
      await restarting.close();
    });

    it('starts it again once the wait is over', async () => {
      const restarting = dying(20);
      await expect(restarting.call({ n: 1 })).rejects.toThrow(/exited \(4\)/);
      await expect(restarting.call({ n: 2 })).rejects.toThrow(/exited \(4\)/);
      const deadline = Date.now() + 5_000;
      let error: Error;
      do {
        await new Promise(setImmediate);
        error = await restarting.call({ n: 3 }).then(
          () => new Error('answered'),
          (e: Error) => e,
        );
      } while (/next start/.test(error.message) && Date.now() < deadline);
      expect(error.message).toMatch(/exited \(4\)/);
      await restarting.close();
    });
  });
});
