import { validateSync } from 'class-validator';
import { asOneLine, SingleLine } from './single-line';

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

  describe('when the text holds a bidirectional embedding, override or isolate', () => {
    it('refuses it', () => {
      const embeddings = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e];
      const isolates = [0x2066, 0x2067, 0x2068, 0x2069];
      for (const code of [...embeddings, ...isolates]) {
        expect(passes(`Ann${String.fromCodePoint(code)}gpj.exe`)).toBe(false);
      }
    });
  });

  describe('when the text shows nothing', () => {
    it('refuses it: zero-width characters, marks with no letter, ignorable ones', () => {
      for (const name of ['\u200b', '\u0301\u0301\u0301', '\u200b \u00ad', '\u200e', '\u3164']) {
        expect(passes(name)).toBe(false);
      }
    });

    it('passes an empty text, which optional fields may hold, and marks on a letter', () => {
      for (const name of ['', 'e\u0301', '\u200bAnn']) expect(passes(name)).toBe(true);
    });
  });

  describe('when the text holds a bidirectional mark', () => {
    it('passes it: right-to-left names often hold one', () => {
      for (const mark of ['\u200e', '\u200f', '\u061c']) {
        expect(passes(`שרה כהן${mark}`)).toBe(true);
      }
    });
  });

  describe('when a name from elsewhere is made one line', () => {
    it('turns each run of layout characters into a space and keeps it short', () => {
      expect(asOneLine('Acme\u202egpj.exe\nLtd\u200f')).toBe('Acme gpj.exe Ltd\u200f');
      expect(asOneLine('x'.repeat(300))).toHaveLength(200);
    });

    it('gives nothing for a name a reader could not see, so no one invisible is named', () => {
      expect(asOneLine('\u200b\u200b')).toBe('');
      expect(asOneLine('\u0301 \u00ad')).toBe('');
    });
  });

  describe('when the text is both on two lines and invisible', () => {
    it('names both faults', () => {
      const [error] = validateSync(Object.assign(new Named(), { name: '\u0301\u2028' }));
      expect(Object.keys(error.constraints ?? {})).toHaveLength(2);
    });
  });
});
