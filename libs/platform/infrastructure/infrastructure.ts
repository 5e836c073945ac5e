import { join } from 'node:path';
import { createJwtVerifier, type JwtVerifier } from '../../auth/jwt-verifier';
import { openEventStore, type EventStore } from '../../event-store';
import { openBroker } from '../../messaging';
import type { AppConfig } from '../config/config';
import { createMailer, type Mailer } from '../mail/mailer';
import { openReadModels, type ReadModelConnection } from './read-model-connection';

export type Broker = ReturnType<typeof openBroker>;

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

export async function openInfrastructure(
  config: AppConfig,
  warn: (message: string) => void = (m) => console.warn(m),
): Promise<Infrastructure> {
  const eventStore = openEventStore(config.eventStoreUrl, warn);
  const readModels = await openReadModels(config.readModelUrl);
  const broker = openBroker(config.rabbitmqUrl);
  const mailer = createMailer({
    smtpUrl: config.smtpUrl,
    outboxDir: join(config.dataDir, 'outbox'),
    from: config.mailFrom,
  });
  const jwtVerifier = createJwtVerifier(new URL(config.identityJwksUrl));
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
