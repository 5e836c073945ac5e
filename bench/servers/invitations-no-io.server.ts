// A ceiling for the HTTP figure: the invitation service's own routes, guards, validation and
// decisions on the same shell, with no I/O behind a request (the event store keeps nothing
// and the mail queue drops every email). What it serves is what the contract costs before
// anything is stored.
import 'reflect-metadata';
import {
  INVITATION_DEPS,
  invitationDepsProvider,
} from '../../apps/invitations/http/invitation-deps.provider';
import { InvitationsModule } from '../../apps/invitations/invitations.module';
import {
  INVITATION_RATE_LIMITER,
  invitationRateLimiter,
} from '../../apps/invitations/rate-limit/invitation-rate-limiter';
import type { EventStore } from '../../libs/event-store';
import { createHttpApp } from '../../libs/platform/http/create-http-app';
import type { Mailing } from '../../libs/platform/infrastructure/mailing.provider';
import { createLogger } from '../../libs/platform/observability/logger';
import { announceReady, infrastructureWithVendors } from './invitations-setup';

/** Streams read empty, appends succeed at the next position, nothing is kept. */
function storeThatKeepsNothing(): EventStore {
  let position = 0n;
  const appended = (events: unknown[]) => ({
    nextRevision: events.length - 1,
    position: (position += BigInt(events.length)),
  });
  return {
    append: async (_stream, events) => appended(events),
    appendToStreams: async (appends) => appends.map((a) => appended(a.events)),
    readStream: async () => [],
    readLastEvent: async () => undefined,
    readAll: async () => [],
    headPosition: async () => position,
    endPosition: async () => position,
    subscribeToAll: () => ({ done: new Promise(() => undefined), stop: async () => undefined }),
    close: async () => undefined,
  };
}

void (async () => {
  const { config, infra, tokens } = await infrastructureWithVendors('bench-invitations-no-io-');
  const noIo = { ...infra, eventStore: storeThatKeepsNothing() };
  const deps: Mailing = {
    store: noIo.eventStore,
    mails: {
      intend: async () => ({
        send: () => undefined,
        drop: () => undefined,
        settle: () => undefined,
      }),
      close: async () => undefined,
    },
    publicUrl: config.publicUrl,
  };
  const module = InvitationsModule.register(noIo);
  module.providers = [
    ...(module.providers ?? []).filter((p) => p !== invitationDepsProvider),
    { provide: INVITATION_DEPS, useValue: deps },
    // The same limiter, counting in memory (the service's shared counters are I/O), with room
    // for a whole round at this speed.
    { provide: INVITATION_RATE_LIMITER, useValue: invitationRateLimiter(Number.MAX_SAFE_INTEGER) },
  ];
  const app = await createHttpApp(module, {
    title: 'invitations',
    logger: createLogger('invitations', config.logLevel),
  });
  await app.listen(0, '127.0.0.1');
  announceReady({ url: await app.getUrl(), tokens });
})();
