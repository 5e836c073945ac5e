/** `1234` → `1,234`. */
export const count = (n: number | bigint) => n.toLocaleString('en-US');

/** `n thing` or `n things`. */
export const plural = (n: number, one: string, many = `${one}s`) =>
  `${count(n)} ${n === 1 ? one : many}`;

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * Prints a test's figures as one compact block at its end:
 * `reliability: <name> — <figure>, <figure>, …`, with optional detail lines.
 */
export function printFigures(name: string, figures: string[], details: string[] = []): void {
  const lines = [`reliability: ${name} — ${figures.join(', ')}`, ...details.map((d) => `  ${d}`)];
  process.stdout.write(`${lines.join('\n')}\n`);
}
