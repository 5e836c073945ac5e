// A ceiling for the HTTP figure: the invitation service's own routes, guards, validation and
// decisions on the same shell, with no I/O behind a request (the event store keeps nothing
// and the mail queue drops every email). What it serves is what the contract costs before
// anything is stored.
import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIdentity } from '../../apps/identity/start-identity';
import {
  INVITATION_DEPS,
  invitationDepsProvider,
} from '../../apps/invitations/http/invitation-deps.provider';
import { InvitationsModule } from '../../apps/invitations/invitations.module';
import {
  INVITATION_RATE_LIMITER,
  invitationRateLimiter,
} from '../../apps/invitations/rate-limit/invitation-rate-limiter';
import { createJwtVerifier } from '../../libs/auth/jwt-verifier';
import type { EventStore } from '../../libs/event-store';
import { loadConfig } from '../../libs/platform/config/config';
import { createHttpApp } from '../../libs/platform/http/create-http-app';
import type { Mailing } from '../../libs/platform/infrastructure/mailing.provider';
import { openInfrastructure } from '../../libs/platform/infrastructure/infrastructure';
import { createLogger } from '../../libs/platform/observability/logger';
import { signUp } from '../../libs/testing/identity-test-client';
import { READY } from '../child-server';

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
    readAll: async () => [],
    headPosition: async () => position,
    subscribeToAll: () => ({ done: new Promise(() => undefined), stop: async () => undefined }),
    close: async () => undefined,
  };
}

void (async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-invitations-no-io-'));
  const config = loadConfig({
    ...process.env,
    DATA_DIR: dataDir,
    INVITATIONS_RATE_LIMIT_PER_MINUTE: '100000',
  });
  const infra = await openInfrastructure(config, () => undefined);
  const identity = await startIdentity(infra, 0);
  const vendors = await Promise.all(
    Array.from({ length: 4 }, () => signUp(identity.url, { accountType: 'vendor' })),
  );
  const noIo = {
    ...infra,
    eventStore: storeThatKeepsNothing(),
    jwtVerifier: createJwtVerifier(new URL(`${identity.url}/.well-known/jwks.json`)),
  };
  const deps: Mailing = {
    store: noIo.eventStore,
    mails: { enqueue: async () => undefined, close: async () => undefined },
    publicUrl: config.publicUrl,
  };
  const module = InvitationsModule.register(noIo);
  module.providers = [
    ...(module.providers ?? []).filter((p) => p !== invitationDepsProvider),
    { provide: INVITATION_DEPS, useValue: deps },
    // The same limiter, with room for a whole round at this speed.
    { provide: INVITATION_RATE_LIMITER, useValue: invitationRateLimiter(Number.MAX_SAFE_INTEGER) },
  ];
  const app = await createHttpApp(module, {
    title: 'invitations',
    logger: createLogger('invitations', config.logLevel),
  });
  await app.listen(0, '127.0.0.1');
  process.stdout.write(
    READY +
      JSON.stringify({ url: await app.getUrl(), tokens: vendors.map((v) => v.accessToken) }) +
      '\n',
  );
  process.on('SIGTERM', () => process.exit(0));
})();
