import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { createJwtVerifier, type JwtVerifier } from '../../auth/jwt-verifier';
import { openEventStore, type EventStore } from '../../event-store';
import { openBroker, type Broker } from '../../messaging';
import type { AppConfig } from '../config/config';
import { configErrorOf } from '../config/config-error';
import { createMailer, type Mailer } from '../mail/mailer';
import { infrastructureWarnings } from '../observability/infrastructure-log';
import { reportBrokerConnected } from '../observability/metrics';
import { openReadModels, type ReadModelConnection } from './read-model-connection';
import { makeDirectory } from '../fs/make-directory';

export type { Broker };

/**
 * The adapters a service runs on, opened once from configuration. In the
 * all-in-one process the three services share one set, so the embedded bus
 * and the SQLite files are common to them.
 */
export interface Infrastructure {
  config: AppConfig;
  eventStore: EventStore;
  readModels: ReadModelConnection;
  broker: Broker;
  mailer: Mailer;
  jwtVerifier: JwtVerifier;
  warn(message: string): void;
  close(): Promise<void>;
}

/** Tests replace the parts that would reach outside (mail, identity's JWKS). */
export interface InfrastructureOverrides {
  mailer?: Mailer;
  jwtVerifier?: JwtVerifier;
}

/**
 * Warnings go to `warn` when given, else to the JSON log (`service:
 * infrastructure`) at LOG_LEVEL; those of a setting that gives up data show
 * whatever the level.
 */
export async function openInfrastructure(
  config: AppConfig,
  given?: (message: string) => void,
  overrides: InfrastructureOverrides = {},
): Promise<Infrastructure> {
  const { warn, always, error } = given
    ? { warn: given, always: given, error: given }
    : infrastructureWarnings(config.logLevel);
  ensureDataDir(config.dataDir);
  const eventStore = openEventStore(config.eventStoreUrl, always);
  const readModels = await openReadModels(config.readModelUrl, always);
  const broker = openBroker(config.rabbitmqUrl, {
    log: warn,
    logError: error,
    queueType: config.rabbitmqQueueType,
  });
  const mailer =
    overrides.mailer ??
    createMailer({
      smtpUrl: config.smtpUrl,
      outboxDir: join(config.dataDir, 'outbox'),
      from: config.mailFrom,
    });
  const jwtVerifier = overrides.jwtVerifier ?? createJwtVerifier(new URL(config.identityJwksUrl));
  const unreportBroker = reportBrokerConnected(config.rabbitmqUrl ? 'rabbitmq' : 'embedded', () =>
    broker.isHealthy(),
  );
  return {
    config,
    eventStore,
    readModels,
    broker,
    mailer,
    jwtVerifier,
    warn,
    async close() {
      unreportBroker();
      await broker.close();
      mailer.close();
      await readModels.close();
      await eventStore.close();
    },
  };
}

/** Made first, so that one that cannot be used is named, not the first file put in it. */
function ensureDataDir(dir: string): void {
  try {
    makeDirectory(dir);
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw configErrorOf('DATA_DIR', error);
  }
}
