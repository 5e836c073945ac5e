import { topicMatches } from './topic-match';

describe('topicMatches', () => {
  describe('when the binding key has no wildcards', () => {
    it('matches only the identical key', () => {
      expect(topicMatches('a.b.c', 'a.b.c')).toBe(true);
      expect(topicMatches('a.b.c', 'a.b')).toBe(false);
      expect(topicMatches('a.b', 'a.b.c')).toBe(false);
    });
  });

  describe('when the binding key has *', () => {
    it('matches exactly one word', () => {
      expect(topicMatches('a.*.c', 'a.b.c')).toBe(true);
      expect(topicMatches('a.*', 'a.b.c')).toBe(false);
      expect(topicMatches('a.*.c', 'a.c')).toBe(false);
      expect(topicMatches('*', '')).toBe(true);
    });
  });

  describe('when the binding key has #', () => {
    it('matches zero or more words', () => {
      expect(topicMatches('#', 'a.b.c')).toBe(true);
      expect(topicMatches('a.#', 'a')).toBe(true);
      expect(topicMatches('a.#', 'a.b.c')).toBe(true);
      expect(topicMatches('a.#.c', 'a.c')).toBe(true);
      expect(topicMatches('a.#.c', 'a.x.y.c')).toBe(true);
      expect(topicMatches('a.#.c', 'a.x.y.d')).toBe(false);
      expect(topicMatches('#.v1', 'identity.email-verified.v1')).toBe(true);
      expect(topicMatches('b.#', 'a.b')).toBe(false);
    });
  });
});
