import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** Makes `dir` unless it is a directory already (made by a racing process, say). */
function makeOne(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (error) {
    if (codeOf(error) !== 'EEXIST' || !statSync(dir).isDirectory()) throw error;
  }
}

/**
 * `mkdir -p`, without Node's recursive mode: under /proc that mode spins for
 * ever at full CPU (the kernel answers ENOENT for the new directory and
 * EEXIST for its parent), where a setting that cannot be used must be named.
 * Each missing parent is made once, then the directory is tried again, once.
 */
export function makeDirectory(dir: string): void {
  try {
    makeOne(dir);
  } catch (error) {
    const parent = dirname(dir);
    if (codeOf(error) !== 'ENOENT' || parent === dir) throw error;
    makeDirectory(parent);
    makeOne(dir);
  }
}
