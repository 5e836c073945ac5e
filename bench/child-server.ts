import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { processMicros } from './cpu';

/** The line a bench server prints once it listens, followed by its JSON info (logs are JSON too). */
export const READY = 'BENCH_READY ';

/** Starts a bench server in its own process (so load generation does not share its event loop). */
export async function startChildServer<T>(
  script: string,
  env: Record<string, string> = {},
): Promise<{ info: T; cpuMicros: () => number | undefined; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['-r', '@swc-node/register', script], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<T>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    lines.on('line', (line) => {
      if (line.startsWith(READY)) resolve(JSON.parse(line.slice(READY.length)) as T);
    });
  });
  return {
    info,
    cpuMicros: () => processMicros(child.pid!),
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
