import { Logger, type Provider } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store';
import type { AppConfig } from '../../../libs/platform/config/config';
import { APP_CONFIG } from '../../../libs/platform/infrastructure/infrastructure.module';
import { createMailQueue } from '../../../libs/platform/mail/mail-queue';
import { MAILER, type Mailer } from '../../../libs/platform/mail/mailer';
import type { InvitationDeps } from './invitation-deps';

export const INVITATION_DEPS = Symbol('INVITATION_DEPS');

const logger = new Logger('invitations');
const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const invitationDepsProvider: Provider = {
  provide: INVITATION_DEPS,
  inject: [EVENT_STORE, MAILER, APP_CONFIG],
  useFactory: (store: EventStore, mailer: Mailer, config: AppConfig): InvitationDeps => ({
    store,
    mails: createMailQueue(mailer, {
      onRetry: (invitation, attempt, error) =>
        logger.warn(`${invitation}: email attempt ${attempt} failed, will retry: ${reason(error)}`),
      onGiveUp: (invitation, error) =>
        logger.error(`${invitation}: email not sent, resend it: ${reason(error)}`),
    }),
    publicUrl: config.publicUrl,
  }),
};
