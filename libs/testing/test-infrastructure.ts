import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JwtVerifier } from '../auth/jwt-verifier';
import { loadConfig } from '../platform/config/config';
import { openInfrastructure, type Infrastructure } from '../platform/infrastructure/infrastructure';
import type { MailMessage, Mailer } from '../platform/mail/mailer';

export interface TestInfrastructure extends Infrastructure {
  dir: string;
  /** What the capturing mailer was asked to send (empty when a mailer was passed in). */
  mails: MailMessage[];
}

/**
 * An Infrastructure on the embedded adapters in a fresh temp directory:
 * SQLite event store and read models, the in-process broker unless
 * RABBITMQ_URL is given in `env`, and a mailer that keeps what it is sent.
 * Closing removes the directory.
 */
export async function createTestInfrastructure(options: {
  jwtVerifier: JwtVerifier;
  env?: Record<string, string | undefined>;
  mailer?: Mailer;
}): Promise<TestInfrastructure> {
  const dir = mkdtempSync(join(tmpdir(), 'infra-'));
  const config = loadConfig({
    DATA_DIR: dir,
    PUBLIC_URL: 'https://app.example.test',
    LOG_LEVEL: 'error',
    // Every test user signs up from this one address.
    REGISTRATIONS_RATE_LIMIT_PER_HOUR: '100000',
    ...options.env,
  });
  const mails: MailMessage[] = [];
  const mailer = options.mailer ?? {
    send: async (m: MailMessage) => void mails.push(m),
    close: () => undefined,
  };
  const infra = await openInfrastructure(config, () => undefined, {
    mailer,
    jwtVerifier: options.jwtVerifier,
  });
  return {
    ...infra,
    dir,
    mails,
    async close() {
      await infra.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
