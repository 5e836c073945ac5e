import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJwtVerifier } from '../../libs/auth/jwt-verifier';
import type { CloudEvent } from '../../libs/contracts';
import { loadConfig } from '../../libs/platform/config/config';
import {
  openInfrastructure,
  type Infrastructure,
} from '../../libs/platform/infrastructure/infrastructure';
import type { RunningService } from '../../libs/platform/infrastructure/run-services';
import { signUp, verificationTokenFromOutbox } from '../../libs/testing/identity-test-client';
import { closeWithPublishHeld, holdPublishes } from '../../libs/testing/held-publishes';
import { waitFor } from '../../libs/testing/wait-for';
import { startIdentity } from './start-identity';
import { announcedEmailVerified } from './testing/identity-fixture';

describe('startIdentity on the embedded defaults', () => {
  let dataDir: string;
  let infra: Infrastructure;
  let identity: RunningService;
  let announced: CloudEvent[] = [];
  const announcementsFor = (userId: string) => announced.filter((e) => e.subject === userId);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'identity-int-'));
    infra = await openInfrastructure(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }));
    announced = await announcedEmailVerified(
      infra.broker,
      'identity-int.identity.email-verified.v1',
    );
    identity = await startIdentity(infra, 0);
  });

  afterAll(async () => {
    await identity?.close();
    await infra?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const verified = (email: string) => verificationTokenFromOutbox(join(dataDir, 'outbox'), email);
  const verifierOf = (service: RunningService) =>
    createJwtVerifier(new URL('/.well-known/jwks.json', service.url));

  describe('when a user signs up with the mail from the outbox', () => {
    it('is verified, announced on the in-process bus, and gets a verified token', async () => {
      const user = await signUp(identity.url, {
        accountType: 'vendor',
        readVerificationToken: verified,
      });
      await expect(verifierOf(identity).verify(user.accessToken)).resolves.toMatchObject({
        userId: user.userId,
        emailVerified: true,
        accountType: 'vendor',
      });
      await waitFor(() => announcementsFor(user.userId).length === 1, {
        message: 'the announcement',
      });
    });
  });

  describe('when it is stopped while its forwarder waits on a publish', () => {
    it('stops taking requests at once, not once the publish is answered', async () => {
      const publishes = holdPublishes(infra.broker);
      try {
        await signUp(identity.url, { accountType: 'customer', readVerificationToken: verified });
        await closeWithPublishHeld(identity, publishes);
      } finally {
        identity = await startIdentity(infra, 0);
      }
    });
  });

  describe('when identity restarts on the same data', () => {
    it('keeps its signing key and resumes publishing after what it already sent', async () => {
      const before = await signUp(identity.url, {
        accountType: 'customer',
        readVerificationToken: verified,
      });
      await waitFor(() => announcementsFor(before.userId).length === 1, { message: 'the first' });

      await identity.close();
      identity = await startIdentity(infra, 0);

      await expect(verifierOf(identity).verify(before.accessToken)).resolves.toMatchObject({
        userId: before.userId,
      });
      const after = await signUp(identity.url, {
        accountType: 'customer',
        readVerificationToken: verified,
      });
      await waitFor(() => announcementsFor(after.userId).length === 1, { message: 'the second' });
      expect(announcementsFor(before.userId)).toHaveLength(1);
    });
  });
});
