// The invitation service as `npm start` runs it (embedded adapters, fsync on), plus identity for a vendor token.
import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIdentity } from '../../apps/identity/start-identity';
import { startInvitations } from '../../apps/invitations/start-invitations';
import { createJwtVerifier } from '../../libs/auth/jwt-verifier';
import { loadConfig } from '../../libs/platform/config/config';
import { openInfrastructure } from '../../libs/platform/infrastructure/infrastructure';
import { signUp } from '../../libs/testing/identity-test-client';
import { READY } from '../child-server';

void (async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-invitations-'));
  const config = loadConfig({
    ...process.env,
    DATA_DIR: dataDir,
    INVITATIONS_RATE_LIMIT_PER_MINUTE: '100000',
  });
  const infra = await openInfrastructure(config, () => undefined);
  const identity = await startIdentity(infra, 0);
  infra.jwtVerifier = createJwtVerifier(new URL(`${identity.url}/.well-known/jwks.json`));
  const invitations = await startInvitations(infra, 0);
  // A vendor per round, so no round meets the per-vendor rate limit however fast it runs.
  const vendors = await Promise.all(
    Array.from({ length: 4 }, () => signUp(identity.url, { accountType: 'vendor' })),
  );
  process.stdout.write(
    READY +
      JSON.stringify({
        url: invitations.url,
        tokens: vendors.map((v) => v.accessToken),
        outboxDir: join(dataDir, 'outbox'),
      }) +
      '\n',
  );
  process.on('SIGTERM', () => process.exit(0));
})();
