import { validateSync } from 'class-validator';
import { SingleLine } from './single-line';

class Named {
  @SingleLine() name!: string;
}

const passes = (name: string) => validateSync(Object.assign(new Named(), { name })).length === 0;

describe('SingleLine', () => {
  describe('when the text is one plain line', () => {
    it('passes it, in any script', () => {
      for (const name of ['Ann Lee', 'Zoë-Marie O’Neil', 'محمد', 'שרה', '李 小龍']) {
        expect(passes(name)).toBe(true);
      }
    });
  });

  describe('when the text holds a control character or a line separator', () => {
    it('refuses it', () => {
      for (const name of ['Ann\nLee', 'Ann\tLee', 'Ann\u001b[31m', 'Ann\u0085', 'Ann\u2028Lee']) {
        expect(passes(name)).toBe(false);
      }
    });
  });

  describe('when the text holds a bidirectional control', () => {
    it('refuses it', () => {
      const marks = [0x061c, 0x200e, 0x200f];
      const embeddings = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e];
      const isolates = [0x2066, 0x2067, 0x2068, 0x2069];
      for (const code of [...marks, ...embeddings, ...isolates]) {
        expect(passes(`Ann${String.fromCodePoint(code)}gpj.exe`)).toBe(false);
      }
    });
  });
});
