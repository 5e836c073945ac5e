import type { Provider } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '../../event-store';
import type { Decider, DomainEvent } from '../command-handling/decider';
import { fold, readHistory } from '../command-handling/command-handler';
import type { AppConfig } from '../config/config';
import type { MailQueue } from '../mail/mail-queue';
import type { MailProof } from '../mail/mail-spool';
import { MAILER, type Mailer } from '../mail/mailer';
import { openSpooledMailQueue } from '../mail/spooled-mail-queue';
import { SERVICE_LOG, type ServiceLog } from '../observability/logger';
import { APP_CONFIG } from './infrastructure.module';

/** What a slice that records a command and then mails a link needs besides the command. */
export interface Mailing {
  store: EventStore;
  /** The service's emails, spooled to disk before the caller is answered and delivered after. */
  mails: Pick<MailQueue, 'intend' | 'close'>;
  /** Where the links in the emails point. */
  publicUrl: string;
}

/** Whether the stream a mail's proof names still wants it sent (`MailQueueOptions.stillWanted`). */
export type MailWanted = (store: EventStore) => (proof: MailProof) => Promise<boolean>;

/**
 * A mail is wanted while `test` holds of the state `decider` folds from its proof's stream, now.
 * Only a stream that shows the mail's own token drops it: one read where the command's commit is
 * not visible yet (a KurrentDB follower behind the leader) sends it, rather than losing it.
 */
export const wantedWhile =
  <State, Event extends DomainEvent>(
    decider: Pick<Decider<State, never, Event>, 'initialState' | 'evolve'>,
    test: (state: State, tokenHash: string, now: Date) => boolean,
  ): MailWanted =>
  (store) =>
  async ({ stream, tokenHash }) => {
    const history = await readHistory(store, stream);
    return !holdsToken(history, tokenHash) || test(fold(decider, history), tokenHash, new Date());
  };

/**
 * Provides `token` as the service's Mailing, its mail queue spooled in
 * `<DATA_DIR>/<service>-mail-spool.sqlite`: a crash before delivery loses no
 * email, and one its stream no longer wants (`stillWanted`) is not sent. The
 * module that injects it closes the queue.
 */
export const mailingProvider = (
  token: symbol,
  service: string,
  stillWanted?: MailWanted,
): Provider => ({
  provide: token,
  inject: [EVENT_STORE, MAILER, APP_CONFIG, SERVICE_LOG],
  useFactory: async (
    store: EventStore,
    mailer: Mailer,
    config: AppConfig,
    logs: ServiceLog,
  ): Promise<Mailing> => ({
    store,
    mails: await openSpooledMailQueue(mailer, {
      dataDir: config.dataDir,
      service,
      recorded: tokenRecordedIn(store),
      ...(stillWanted ? { stillWanted: stillWanted(store) } : {}),
      log: logs('mail'),
    }),
    publicUrl: config.publicUrl,
  }),
});

/** Whether a mail's command recorded its token: the slices mail links to a token their events hold. */
export const tokenRecordedIn =
  (store: EventStore) =>
  async ({ stream, tokenHash }: MailProof): Promise<boolean> =>
    holdsToken(await store.readStream(stream), tokenHash);

const holdsToken = (history: RecordedEvent[], tokenHash: string) =>
  history.some((e) => e.data.tokenHash === tokenHash);
