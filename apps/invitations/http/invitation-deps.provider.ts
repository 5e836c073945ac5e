import type { Provider } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store';
import type { AppConfig } from '../../../libs/platform/config/config';
import { APP_CONFIG } from '../../../libs/platform/infrastructure/infrastructure.module';
import { MAILER, type Mailer } from '../../../libs/platform/mail/mailer';
import { openSpooledMailQueue } from '../../../libs/platform/mail/spooled-mail-queue';
import type { InvitationDeps } from './invitation-deps';

export const INVITATION_DEPS = Symbol('INVITATION_DEPS');

/** Invitation emails go through the service's spooled mail queue: a crash before delivery loses none. */
export const invitationDepsProvider: Provider = {
  provide: INVITATION_DEPS,
  inject: [EVENT_STORE, MAILER, APP_CONFIG],
  useFactory: async (
    store: EventStore,
    mailer: Mailer,
    config: AppConfig,
  ): Promise<InvitationDeps> => ({
    store,
    mails: await openSpooledMailQueue(mailer, { dataDir: config.dataDir, service: 'invitations' }),
    publicUrl: config.publicUrl,
  }),
};
