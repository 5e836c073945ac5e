import { ConfigError, loadConfig } from '../config/config';
import { openInfrastructure, type Infrastructure } from './infrastructure';
import { errorMessage } from '../errors/error-message';

/** A started service: its base URL and how to stop it gracefully. */
export interface RunningService {
  name: string;
  url: string;
  close(): Promise<void>;
}

export type ServiceStarter = (infra: Infrastructure) => Promise<RunningService>;

/**
 * Process entry point shared by every `main.ts`: validate configuration (a bad
 * value stops the process with one line naming the variable), open the
 * adapters once, start the services, and shut down in reverse on SIGTERM/SIGINT.
 */
export async function runServices(starters: ServiceStarter[]): Promise<void> {
  let infra: Infrastructure | undefined;
  const running: RunningService[] = [];
  try {
    infra = await openInfrastructure(loadConfig());
    for (const start of starters) {
      const service = await start(infra);
      running.push(service);
      process.stdout.write(`${service.name} listening on ${service.url}\n`);
    }
  } catch (error) {
    // Some values (the signing keys) are read as their service starts: the same one line.
    const line =
      error instanceof ConfigError ? error.message : `startup failed: ${errorMessage(error)}`;
    process.stderr.write(`${line}\n`);
    await stopAll(running, infra);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      // A second signal (Ctrl-C again) cuts short a stop that hangs on a dependency.
      process.stderr.write(`${signal} again: exiting without finishing the shutdown\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`${signal}: shutting down\n`);
    await stopAll(running, infra);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** Services in reverse order of start, then the adapters they share. */
async function stopAll(running: RunningService[], infra: Infrastructure | undefined) {
  for (const service of [...running].reverse()) await service.close().catch(() => undefined);
  await infra?.close().catch(() => undefined);
}
