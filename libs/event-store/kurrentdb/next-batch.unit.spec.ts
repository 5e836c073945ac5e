import { PassThrough } from 'node:stream';
import { nextBatch } from './next-batch';

const objects = (highWaterMark = 16) => new PassThrough({ objectMode: true, highWaterMark });

describe('nextBatch', () => {
  describe('when items have piled up', () => {
    it('takes them all in one batch, in order, up to the maximum', async () => {
      const stream = objects();
      for (let i = 0; i < 10; i++) stream.write(i);
      expect(await nextBatch(stream, 4)).toEqual([0, 1, 2, 3]);
      expect(await nextBatch(stream, 100)).toEqual([4, 5, 6, 7, 8, 9]);
    });

    it('takes what was held back beyond the buffer once the buffer drains', async () => {
      const stream = objects(2);
      for (let i = 0; i < 5; i++) stream.write(i);
      const seen: number[] = [];
      while (seen.length < 5) seen.push(...((await nextBatch<number>(stream, 10)) ?? []));
      expect(seen).toEqual([0, 1, 2, 3, 4]);
    });
  });

  describe('when nothing is there yet', () => {
    it('resolves with the first items that arrive', async () => {
      const stream = objects();
      const batch = nextBatch(stream, 10);
      stream.write('a');
      expect(await batch).toEqual(['a']);
    });
  });

  describe('when the stream ends', () => {
    it('hands over what is left, then null', async () => {
      const stream = objects();
      stream.end('last');
      expect(await nextBatch(stream, 10)).toEqual(['last']);
      expect(await nextBatch(stream, 10)).toBeNull();
    });

    it('resolves a waiting call with null', async () => {
      const stream = objects();
      const batch = nextBatch(stream, 10);
      stream.end();
      expect(await batch).toBeNull();
    });

    it('gives null for a destroyed stream', async () => {
      const stream = objects();
      const batch = nextBatch(stream, 10);
      stream.destroy();
      expect(await batch).toBeNull();
      expect(await nextBatch(stream, 10)).toBeNull();
    });
  });

  describe('when the stream fails', () => {
    it('rejects a waiting call with the error', async () => {
      const stream = objects();
      const batch = nextBatch(stream, 10);
      stream.destroy(new Error('dropped'));
      await expect(batch).rejects.toThrow('dropped');
    });

    it('rejects a later call with the error it failed with', async () => {
      const stream = objects();
      stream.on('error', () => undefined);
      stream.destroy(new Error('dropped'));
      await new Promise((resolve) => stream.once('close', resolve));
      await expect(nextBatch(stream, 10)).rejects.toThrow('dropped');
    });
  });
});
