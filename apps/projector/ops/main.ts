import 'reflect-metadata';
import { CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../../../libs/platform/config/config';
import {
  openInfrastructure,
  type Infrastructure,
} from '../../../libs/platform/infrastructure/infrastructure';
import { loginThrottle } from '../../identity/login/login-throttle';
import { registrationRateLimiter } from '../../identity/register/registration-rate-limiter';
import { invitationRateLimiter } from '../../invitations/rate-limit/invitation-rate-limiter';
import { PROJECTIONS } from '../projector/projections';
import { OpsError, OpsInterrupted, type OpsContext } from './ops-context';
import { opsProgram } from './ops-program';
import { terminalBar } from './progress-bar';
import { errorMessage } from '../../../libs/platform/errors/error-message';

/** `npm run ops -- <command>`, on the adapters the configuration names. */
async function main(argv: string[]): Promise<number> {
  let infra: Infrastructure | undefined;
  // The first Ctrl-C stops a command that watches for it (rebuild, replay) between two commits,
  // so its leases are released and the progress bar gives the cursor back; a second one, or the
  // first for any other command, ends the process at once.
  const interruption = new AbortController();
  let watched = false;
  const interrupt = () => {
    if (!watched || interruption.signal.aborted) process.exit(130);
    interruption.abort(new OpsInterrupted());
  };
  process.on('SIGINT', interrupt).on('SIGTERM', interrupt);
  const context = async (): Promise<OpsContext> => {
    infra ??= await openInfrastructure(loadConfig(), (m) => process.stderr.write(`${m}\n`));
    return {
      eventStore: infra.eventStore,
      readModels: infra.readModels.readModels,
      leases: infra.readModels.coordination,
      projections: PROJECTIONS,
      broker: infra.broker,
      sharedBroker: infra.config.rabbitmqUrl !== undefined,
      rateLimits: {
        logins: loginThrottle(infra.config.rateLimit, infra.readModels.rateLimits),
        invitations: invitationRateLimiter(
          infra.config.rateLimit.invitationsPerMinute,
          infra.readModels.rateLimits,
        ),
        registrations: registrationRateLimiter(
          infra.config.rateLimit.registrationsPerHour,
          infra.readModels.rateLimits,
        ),
      },
      out: (line) => process.stdout.write(`${line}\n`),
      bar: terminalBar,
      get signal() {
        watched = true;
        return interruption.signal;
      },
    };
  };
  try {
    await opsProgram(context).parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const known = error instanceof OpsError || error instanceof ConfigError;
    process.stderr.write(`${known ? '' : 'ops failed: '}${errorMessage(error)}\n`);
    return error instanceof OpsInterrupted ? 130 : 1;
  } finally {
    await infra?.close().catch(() => undefined);
  }
}

void main(process.argv).then((code) => process.exit(code));
