import { Logger, type Provider } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store';
import type { AppConfig } from '../../../libs/platform/config/config';
import { APP_CONFIG } from '../../../libs/platform/infrastructure/infrastructure.module';
import { MAILER, type Mailer } from '../../../libs/platform/mail/mailer';
import type { InvitationDeps } from './invitation-deps';

export const INVITATION_DEPS = Symbol('INVITATION_DEPS');

const logger = new Logger('invitations');

export const invitationDepsProvider: Provider = {
  provide: INVITATION_DEPS,
  inject: [EVENT_STORE, MAILER, APP_CONFIG],
  useFactory: (store: EventStore, mailer: Mailer, config: AppConfig): InvitationDeps => ({
    store,
    mailer,
    publicUrl: config.publicUrl,
    onMailFailure: (invitationId, error) =>
      logger.error(`invitation email for ${invitationId} not sent: ${(error as Error).message}`),
  }),
};
