import { ThreadCalls } from './thread-calls';

type Body = { n: number; fail?: boolean; slowMs?: number };
type Result = { n: number; messages: number };

describe('ThreadCalls', () => {
  let thread: ThreadCalls<Body, Result>;
  beforeEach(() => (thread = new ThreadCalls(__dirname, 'thread-calls-echo', {})));
  afterEach(() => thread.close());

  describe('when calls are made in one turn of the event loop', () => {
    it('sends them in one message and answers each with its own reply', async () => {
      const replies = await Promise.all([1, 2, 3].map((n) => thread.call({ n })));
      expect(replies).toEqual([1, 2, 3].map((n) => ({ n, messages: 1 })));
      const later = await thread.call({ n: 4 });
      expect(later).toEqual({ n: 4, messages: 2 });
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
});
