import { randomUUID } from 'node:crypto';
import type { EventStore } from '../event-store.port';
import { newEvent } from './event-store.contract';

/** `readLastEvent`, as every adapter promises it: the end of `readStream`, read alone. */
export function readLastEventContract(store: () => EventStore): void {
  const stream = () => `contract-last-${randomUUID()}`;

  describe('when reading a stream’s last event', () => {
    it('reads nothing of a stream that does not exist', async () => {
      expect(await store().readLastEvent(stream())).toBeUndefined();
    });

    it('reads the event ending the stream after several appends, as readStream ends it', async () => {
      const s = stream();
      await store().append(s, [newEvent('A'), newEvent('B')], 'no_stream');
      await store().append(s, [newEvent('C', { n: 3, nested: { ok: true } })], 1);
      const last = await store().readLastEvent(s);
      expect(last).toMatchObject({ streamName: s, revision: 2, type: 'C' });
      expect(last).toEqual((await store().readStream(s)).at(-1));
    });

    it('sees each append once it is answered, one stream among several in a commit too', async () => {
      const [a, b] = [stream(), stream()];
      for (let i = 0; i < 3; i++) {
        const expected = i === 0 ? 'no_stream' : i - 1;
        const { position } = await store().append(a, [newEvent(`A${i}`)], expected);
        expect(await store().readLastEvent(a)).toMatchObject({ revision: i, position });
      }
      const [, rb] = await store().appendToStreams([
        { streamName: a, events: [newEvent('A3')], expected: 2 },
        { streamName: b, events: [newEvent('B0'), newEvent('B1')], expected: 'no_stream' },
      ]);
      const [lastA, lastB] = await Promise.all([a, b].map((s) => store().readLastEvent(s)));
      expect(lastA).toMatchObject({ type: 'A3', revision: 3 });
      expect(lastB).toMatchObject({ type: 'B1', revision: 1 });
      expect(lastB!.position).toBeLessThanOrEqual(rb.position);
    });

    it('gives the revision an append expects, so the next append at it is taken', async () => {
      const s = stream();
      await store().append(s, [newEvent('A'), newEvent('B'), newEvent('C')], 'no_stream');
      const { revision } = (await store().readLastEvent(s))!;
      await expect(store().append(s, [newEvent('D')], revision)).resolves.toMatchObject({
        nextRevision: revision + 1,
      });
    });
  });
}
