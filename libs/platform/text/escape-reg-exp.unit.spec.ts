import { escapeRegExp } from './escape-reg-exp';

describe('escapeRegExp', () => {
  describe('when the text holds characters special in a regular expression', () => {
    it('matches exactly that text', () => {
      const text = 'a.b*c+d?e^f$g{h}i(j)k|l[m]n\\o';
      const exact = new RegExp(`^${escapeRegExp(text)}$`);
      expect(exact.test(text)).toBe(true);
      expect(exact.test(text.replace('.', 'x'))).toBe(false);
    });
  });
});
