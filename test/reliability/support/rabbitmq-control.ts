import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Stops and starts the RabbitMQ application with `rabbitmqctl` (the Erlang
 * node stays up, so it comes back in seconds). RABBITMQCTL_NODE names another
 * node (`-n`), e.g. a private broker for a run that must not disturb others.
 */
export class RabbitMqControl {
  private readonly nodeArgs = process.env.RABBITMQCTL_NODE
    ? ['-n', process.env.RABBITMQCTL_NODE]
    : [];
  private stopped = false;
  restarts = 0;
  downMs = 0;

  /** Whether `rabbitmqctl` is installed and answers for the node. */
  available(): boolean {
    const probe = spawnSync('rabbitmqctl', [...this.nodeArgs, 'status'], {
      stdio: 'ignore',
      timeout: 30_000,
    });
    return probe.status === 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.ctl('stop_app');
  }

  async start(): Promise<void> {
    await this.ctl('start_app');
    await this.ctl('await_startup');
    this.stopped = false;
  }

  /** stop_app, then `whileDown`, then start_app; resolves once the broker is up again. */
  async restart(whileDown: () => Promise<void> = async () => undefined): Promise<void> {
    const since = Date.now();
    await this.stop();
    try {
      await whileDown();
    } finally {
      await this.start();
      this.restarts += 1;
      this.downMs += Date.now() - since;
    }
  }

  /** Leaves the broker running, whatever happened before. */
  async ensureStarted(): Promise<void> {
    if (this.stopped) await this.start();
  }

  private async ctl(command: string): Promise<void> {
    await run('rabbitmqctl', [...this.nodeArgs, command], { timeout: 120_000 });
  }
}
