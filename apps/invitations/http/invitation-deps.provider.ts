import { Logger, type Provider } from '@nestjs/common';
import { join } from 'node:path';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store';
import type { AppConfig } from '../../../libs/platform/config/config';
import { APP_CONFIG } from '../../../libs/platform/infrastructure/infrastructure.module';
import { createMailQueue } from '../../../libs/platform/mail/mail-queue';
import { sqliteMailSpool } from '../../../libs/platform/mail/mail-spool';
import { MAILER, type Mailer } from '../../../libs/platform/mail/mailer';
import type { InvitationDeps } from './invitation-deps';

export const INVITATION_DEPS = Symbol('INVITATION_DEPS');

const logger = new Logger('invitations');
const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Invitation emails are spooled in the data directory, so a crash before delivery loses none. */
export const invitationDepsProvider: Provider = {
  provide: INVITATION_DEPS,
  inject: [EVENT_STORE, MAILER, APP_CONFIG],
  useFactory: async (
    store: EventStore,
    mailer: Mailer,
    config: AppConfig,
  ): Promise<InvitationDeps> => {
    const mails = createMailQueue(mailer, {
      spool: sqliteMailSpool(join(config.dataDir, 'mail-spool.sqlite')),
      onRetry: (invitation, attempt, error) =>
        logger.warn(`${invitation}: email attempt ${attempt} failed, will retry: ${reason(error)}`),
      onGiveUp: (invitation, error) =>
        logger.error(`${invitation}: email not sent, resend it: ${reason(error)}`),
      onSpoolFailure: (invitation, error) =>
        logger.warn(`${invitation}: email not spooled, held in memory only: ${reason(error)}`),
    });
    const resumed = await mails.resume();
    if (resumed > 0)
      logger.log(`${resumed} invitation emails left by an earlier run are being sent`);
    return { store, mails, publicUrl: config.publicUrl };
  },
};
