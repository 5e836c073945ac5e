import { join } from 'node:path';
import { createJwtVerifier, type JwtVerifier } from '../../auth/jwt-verifier';
import { openEventStore, type EventStore } from '../../event-store';
import { openBroker, type Broker } from '../../messaging';
import type { AppConfig } from '../config/config';
import { createMailer, type Mailer } from '../mail/mailer';
import { openReadModels, type ReadModelConnection } from './read-model-connection';

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

export async function openInfrastructure(
  config: AppConfig,
  warn: (message: string) => void = (m) => console.warn(m),
  overrides: InfrastructureOverrides = {},
): Promise<Infrastructure> {
  const eventStore = openEventStore(config.eventStoreUrl, warn);
  const readModels = await openReadModels(config.readModelUrl);
  const broker = openBroker(config.rabbitmqUrl, {
    log: warn,
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
  return {
    config,
    eventStore,
    readModels,
    broker,
    mailer,
    jwtVerifier,
    warn,
    async close() {
      await broker.close();
      mailer.close();
      await readModels.close();
      await eventStore.close();
    },
  };
}
