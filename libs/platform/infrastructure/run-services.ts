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

/** How long a signal waits for the service being started: within a container's 30 s to stop. */
const START_WAIT_MS = 20_000;

/**
 * Process entry point shared by every `main.ts`: validate configuration (a bad
 * value stops the process with one line naming the variable), open the
 * adapters once, start the services, and shut them all down on SIGTERM/SIGINT.
 * A signal while the services start lets the one in progress finish, starts
 * no other, and stops what runs: some may be serving already.
 */
export async function runServices(
  starters: ServiceStarter[],
  options: { startWaitMs?: number } = {},
): Promise<void> {
  let infra: Infrastructure | undefined;
  const running: RunningService[] = [];
  let starting = true;
  let stopping = false;
  let startWait: NodeJS.Timeout | undefined;
  const stop = async () => {
    await stopAll(running, infra);
    process.exit(0);
  };
  const onSignal = (signal: string) => {
    if (stopping) {
      // A second signal (Ctrl-C again) cuts short a stop that hangs on a dependency.
      process.stderr.write(`${signal} again: exiting without finishing the shutdown\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`${signal}: shutting down\n`);
    if (!starting) return void stop();
    // A start that hangs (a dependency that never answers) must not keep the process up.
    startWait = setTimeout(() => {
      process.stderr.write(`${signal}: the service being started did not finish; exiting\n`);
      process.exit(1);
    }, options.startWaitMs ?? START_WAIT_MS).unref();
  };
  try {
    infra = await openInfrastructure(loadConfig());
    // Not before: while the adapters open nothing serves yet, and a signal may end the process as
    // it is (a hung open, even a synchronous one, stays stoppable).
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
    for (const start of starters) {
      if (stopping) break;
      const service = await start(infra);
      running.push(service);
      process.stdout.write(`${service.name} listening on ${service.url} (every interface)\n`);
    }
  } catch (error) {
    // Some values (a port in use) are found only as their service starts: the same one line.
    const line =
      error instanceof ConfigError ? error.message : `startup failed: ${errorMessage(error)}`;
    process.stderr.write(`${line}\n`);
    await stopAll(running, infra);
    process.exit(1);
  }
  starting = false;
  // The start finished: the stop that follows has no bound but a second signal.
  clearTimeout(startWait);
  if (stopping) await stop();
}

/**
 * Every service at once, then the adapters they share. One by one, a service
 * slow to close (a publish waiting on a broker that is down) kept those after
 * it taking commands until it was done, past a container's 30 s to stop.
 */
async function stopAll(running: RunningService[], infra: Infrastructure | undefined) {
  await Promise.all(
    [...running].reverse().map((service) =>
      service.close().catch((error: unknown) => {
        process.stderr.write(`${service.name}: did not close cleanly: ${errorMessage(error)}\n`);
      }),
    ),
  );
  await infra?.close().catch(() => undefined);
}
