import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The line the child prints once both services listen, followed by their URLs as JSON. */
export const READY_MARKER = 'RELIABILITY_SERVICES ';

export interface ServiceUrls {
  identity: string;
  invitations: string;
}

const REPO_ROOT = join(__dirname, '..', '..', '..');
const SCRIPT = join(__dirname, 'identity-and-invitations.child.ts');

/**
 * identity and invitations in one child process on the embedded adapters in
 * `dataDir`, on ports the OS picks. Can be SIGKILLed and started again on the
 * same data, any number of times.
 */
export class ChildServices {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private readonly stderr: string[] = [];
  starts = 0;
  kills = 0;

  constructor(
    private readonly dataDir: string,
    private readonly env: Record<string, string> = {},
  ) {}

  /** Starts the child and resolves with its URLs once it prints them. */
  start(timeoutMs = 60_000): Promise<ServiceUrls> {
    if (this.child) throw new Error('the services are already running');
    const child = spawn(process.execPath, ['-r', '@swc-node/register', SCRIPT], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DATA_DIR: this.dataDir,
        EVENT_STORE_URL: `sqlite:${join(this.dataDir, 'events.sqlite')}`,
        READ_MODEL_URL: `sqlite:${join(this.dataDir, 'read-models.sqlite')}`,
        RABBITMQ_URL: '',
        SMTP_URL: '',
        JWT_PRIVATE_KEY: '',
        LOG_LEVEL: 'warn',
        ...this.env,
      },
    });
    this.child = child;
    this.starts += 1;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      this.stderr.push(line);
      if (this.stderr.length > 40) this.stderr.shift();
    });
    return new Promise<ServiceUrls>((resolve, reject) => {
      const timer = setTimeout(() => {
        fail(new Error(`the services did not start within ${timeoutMs} ms`));
      }, timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(new Error(`${error.message}\n${this.stderr.join('\n')}`));
      };
      const onExit = (code: number | null, signal: string | null) =>
        fail(new Error(`the services exited (${code ?? signal})`));
      child.once('exit', onExit);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (!line.startsWith(READY_MARKER)) return;
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(JSON.parse(line.slice(READY_MARKER.length)) as ServiceUrls);
      });
    });
  }

  /** SIGKILL: no shutdown hooks, no flushing; resolves once the process is gone. */
  async kill(): Promise<void> {
    const { child, exited } = this;
    if (!child || !exited) return;
    this.child = undefined;
    this.kills += 1;
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM (graceful shutdown), SIGKILL if it does not exit in time. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const { child, exited } = this;
    if (!child || !exited) return;
    this.child = undefined;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  /** The child's last lines on stderr, for a failure message. */
  lastErrors(): string[] {
    return [...this.stderr];
  }
}
