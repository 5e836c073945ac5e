import pino from 'pino';
import { createLogger } from './logger';

/** How the adapters (event store, read models, broker, workers) tell of trouble. */
export interface InfrastructureWarnings {
  /** At LOG_LEVEL, as every other log. */
  warn(message: string): void;
  /** Shown whatever LOG_LEVEL says: a setting that gives up data is never taken silently. */
  always(message: string): void;
  /** A setting to fix, not an outage to wait out (a broker refusing the password): error level. */
  error(message: string): void;
}

/** Warn-level JSON lines with `service: infrastructure`. */
export function infrastructureWarnings(
  level: string,
  destination?: pino.DestinationStream,
): InfrastructureWarnings {
  const logger = createLogger('infrastructure', level, destination);
  const hidesWarnings = !(pino.levels.values[level] <= pino.levels.values.warn);
  const loud = hidesWarnings ? logger.child({}, { level: 'warn' }) : logger;
  return {
    warn: (m) => logger.warn(m),
    always: (m) => loud.warn(m),
    error: (m) => logger.error(m),
  };
}
