import type { ChannelModel } from 'amqplib';
import { spawnSync } from 'node:child_process';

/**
 * Whether an AMQP connection to `url` opens, checked synchronously (in a child
 * process) so a spec can decide at load time whether to run or skip.
 */
export function rabbitMqReachable(url: string, timeoutMs = 10_000): boolean {
  const amqplib = require.resolve('amqplib');
  const script = `
    require(${JSON.stringify(amqplib)})
      .connect(process.env.PROBE_URL, { timeout: ${timeoutMs} })
      .then((c) => c.close())
      .then(() => process.exit(0), () => process.exit(1));`;
  const probe = spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, PROBE_URL: url },
    timeout: timeoutMs + 5_000, // a loaded machine is slow to start node; only an absent broker waits this long
    stdio: 'ignore',
  });
  return probe.status === 0;
}

/** Consumers on `queue`, 0 while it does not exist (a passive check closes its channel then). */
export async function consumersOf(connection: ChannelModel, queue: string): Promise<number> {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  try {
    return (await channel.checkQueue(queue)).consumerCount;
  } catch {
    return 0;
  } finally {
    await channel.close().catch(() => undefined);
  }
}
