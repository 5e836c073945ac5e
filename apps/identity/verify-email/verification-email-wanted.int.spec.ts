import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../libs/platform/config/config';
import {
  openInfrastructure,
  type Infrastructure,
} from '../../../libs/platform/infrastructure/infrastructure';
import type { RunningService } from '../../../libs/platform/infrastructure/run-services';
import { signUp, verificationTokenIn } from '../../../libs/testing/identity-test-client';
import { emailsUnwanted } from '../../../libs/testing/emails-unwanted';
import { mailServerDown } from '../../../libs/testing/mail-server-down';
import { waitFor } from '../../../libs/testing/wait-for';
import { startIdentity } from '../start-identity';

const dropped = () => emailsUnwanted('identity');

describe('verification email while a mail server is down', () => {
  let dataDir: string;
  let infra: Infrastructure;
  let identity: RunningService;
  const { mailer: down, tried } = mailServerDown();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'identity-mail-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    infra = await openInfrastructure(config, () => undefined, { mailer: down });
    identity = await startIdentity(infra, 0);
  });
  afterAll(async () => {
    await identity?.close();
    await infra?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('when the address is verified by a link from an earlier attempt', () => {
    it('drops the verification email still waiting, which asks to verify it again', async () => {
      const before = await dropped();
      const { email } = await signUp(identity.url, {
        accountType: 'customer',
        // The link as the one attempt that reached the server before it went down carried it.
        readVerificationToken: (to) =>
          waitFor(() => verificationTokenIn(tried.find((m) => m.to === to)?.text ?? '')),
      });
      await waitFor(async () => (await dropped()) === before + 1, { message: 'the email dropped' });
      expect(tried.filter((m) => m.to === email).length).toBeLessThanOrEqual(2);
    });
  });
});
