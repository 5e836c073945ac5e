import { AppError, causeOf, conflict, unavailable, unavailableOnFailure } from './app-error';

describe('unavailableOnFailure', () => {
  const adapter = {
    size: 3,
    count: () => 2,
    load: (fail?: Error) => (fail ? Promise.reject(fail) : Promise.resolve('row')),
  };
  const guarded = unavailableOnFailure(adapter, 'store_unavailable', 'The store');

  describe('when the adapter answers', () => {
    it('passes values, synchronous results and resolved promises through', async () => {
      expect(guarded.size).toBe(3);
      expect(guarded.count()).toBe(2);
      expect(await guarded.load()).toBe('row');
    });
  });

  describe('when a promise it returns fails', () => {
    it('refuses with 503 and the code, keeping the failure as the cause', async () => {
      const failure = new Error('connection reset');
      const refusal = await guarded.load(failure).then(
        () => undefined,
        (e: AppError) => e,
      );
      expect(refusal).toMatchObject({ kind: 'unavailable', code: 'store_unavailable' });
      expect(refusal?.message).toBe('The store cannot be reached right now; retry shortly.');
      expect(refusal?.extra).toEqual({ retryAfterSeconds: 1 });
      expect(refusal?.cause).toBe(failure);
    });

    it('lets a refusal of its own pass as it is', async () => {
      const refusal = conflict('taken', 'Already there.');
      await expect(guarded.load(refusal)).rejects.toBe(refusal);
    });
  });
});

describe('causeOf', () => {
  it('gives the cause of an error raised with one, for the log line after its message', () => {
    expect(causeOf(unavailable('x_unavailable', 'X is down.', new Error('disk full')))).toBe(
      ' (disk full)',
    );
  });

  it('gives nothing for an error without a cause, or for what is not an error', () => {
    expect(causeOf(new Error('plain'))).toBe('');
    expect(causeOf('text')).toBe('');
  });
});
