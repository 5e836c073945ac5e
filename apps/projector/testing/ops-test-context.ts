import type { Broker } from '../../../libs/messaging';
import { loadConfig } from '../../../libs/platform/config/config';
import { MemoryRateLimits } from '../../../libs/platform/rate-limit/memory-rate-limits';
import { loginThrottle } from '../../identity/login/login-throttle';
import { registrationRateLimiter } from '../../identity/register/registration-rate-limiter';
import { invitationRateLimiter } from '../../invitations/rate-limit/invitation-rate-limiter';
import type { Projection } from '../projector/projection';
import { PROJECTIONS } from '../projector/projections';
import type { OpsContext } from '../ops/ops-context';
import { opsProgram } from '../ops/ops-program';
import { silentBar } from '../ops/progress-bar';
import type { ProjectorFixture } from './projector-fixture';

/** Runs ops commands on a fixture's adapters and collects what they print. */
export function opsOn(
  f: ProjectorFixture,
  options: { broker?: Broker; projections?: readonly Projection[]; signal?: AbortSignal } = {},
) {
  const { broker } = options;
  const lines: string[] = [];
  const context: OpsContext = {
    eventStore: f.eventStore,
    readModels: f.readModels,
    leases: f.leases,
    projections: options.projections ?? PROJECTIONS,
    broker: broker ?? ({} as Broker),
    sharedBroker: broker !== undefined,
    rateLimits: (() => {
      const { rateLimit } = loadConfig({});
      const store = new MemoryRateLimits();
      return {
        logins: loginThrottle(rateLimit, store),
        invitations: invitationRateLimiter(rateLimit.invitationsPerMinute, store),
        registrations: registrationRateLimiter(rateLimit.registrationsPerHour, store),
      };
    })(),
    out: (line) => lines.push(line),
    bar: silentBar,
    signal: options.signal,
  };
  return {
    lines,
    context,
    /** `ops <args>`; resolves with the lines printed by this command. */
    async run(...args: string[]): Promise<string[]> {
      const from = lines.length;
      await opsProgram(async () => context, {
        writeOut: () => undefined,
        writeErr: () => undefined,
      }).parseAsync(['node', 'ops', ...args]);
      return lines.slice(from);
    },
  };
}
