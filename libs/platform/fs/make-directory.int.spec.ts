import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirectory } from './make-directory';

describe('makeDirectory', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'make-directory-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  describe('when parents are missing', () => {
    it('makes each of them and the directory', () => {
      const dir = join(root, 'a', 'b', 'c');
      makeDirectory(dir);
      expect(statSync(dir).isDirectory()).toBe(true);
    });
  });

  describe('when the directory exists', () => {
    it('leaves it as it is', () => {
      makeDirectory(root);
      makeDirectory(join(root, '.'));
      expect(statSync(root).isDirectory()).toBe(true);
    });
  });

  describe('when a file stands in the way', () => {
    it('throws, whether it is the directory or a parent', () => {
      const file = join(root, 'file');
      writeFileSync(file, '');
      expect(() => makeDirectory(file)).toThrow(/EEXIST/);
      expect(() => makeDirectory(join(file, 'child'))).toThrow(/ENOTDIR/);
    });
  });

  (existsSync('/proc/self') ? describe : describe.skip)('when the directory is under /proc', () => {
    it('throws at once rather than spin', () => {
      expect(() => makeDirectory('/proc/no-such-directory/data')).toThrow(/ENOENT/);
    });
  });
});
