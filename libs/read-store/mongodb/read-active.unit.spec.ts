import { readActive } from './read-active';

/** An active version that answers from `answers` in turn, then stays at the last. */
const activeFrom = (...answers: (number | undefined)[]) => {
  let i = 0;
  return () => Promise.resolve(answers[Math.min(i++, answers.length - 1)]);
};

describe('readActive', () => {
  describe('when the active version stays the same', () => {
    it('reads it once', async () => {
      const read = jest.fn((v: number) => Promise.resolve(`rows of v${v}`));
      expect(await readActive(activeFrom(1), read, 'none')).toBe('rows of v1');
      expect(read).toHaveBeenCalledTimes(1);
    });
  });

  describe('when a switch happens while the old version is read', () => {
    it('reads the new version, not the one being dropped', async () => {
      const read = jest.fn((v: number) => Promise.resolve(`rows of v${v}`));
      expect(await readActive(activeFrom(1, 2), read, 'none')).toBe('rows of v2');
      expect(read.mock.calls.map(([v]) => v)).toEqual([1, 2]);
    });
  });

  describe('when the projection has no active version', () => {
    it('answers the empty result without reading', async () => {
      const read = jest.fn();
      expect(await readActive(activeFrom(undefined), read, 'none')).toBe('none');
      expect(read).not.toHaveBeenCalled();
    });
  });

  describe('when the active version changes on every read', () => {
    it('gives up after the tries allowed', async () => {
      const read = jest.fn((v: number) => Promise.resolve(v));
      await expect(readActive(activeFrom(1, 2, 3, 4, 5, 6), read, 0, 3)).rejects.toThrow(
        /changed 3 times/,
      );
      expect(read).toHaveBeenCalledTimes(3);
    });
  });
});
