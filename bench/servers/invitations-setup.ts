import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIdentity } from '../../apps/identity/start-identity';
import { createJwtVerifier } from '../../libs/auth/jwt-verifier';
import { loadConfig } from '../../libs/platform/config/config';
import { openInfrastructure } from '../../libs/platform/infrastructure/infrastructure';
import { signUp } from '../../libs/testing/identity-test-client';
import { READY } from '../child-server';

/**
 * What the invitation bench servers start from: the embedded infrastructure
 * in a fresh data directory, identity verifying tokens through its JWKS, and
 * a vendor per round, so no round meets the per-vendor rate limit however
 * fast it runs.
 */
export async function infrastructureWithVendors(dataDirPrefix: string) {
  const dataDir = mkdtempSync(join(tmpdir(), dataDirPrefix));
  const config = loadConfig({
    ...process.env,
    DATA_DIR: dataDir,
    INVITATIONS_RATE_LIMIT_PER_MINUTE: '100000',
  });
  const infra = await openInfrastructure(config, () => undefined);
  const identity = await startIdentity(infra, 0);
  infra.jwtVerifier = createJwtVerifier(new URL(`${identity.url}/.well-known/jwks.json`));
  const vendors = await Promise.all(
    Array.from({ length: 4 }, () => signUp(identity.url, { accountType: 'vendor' })),
  );
  return { dataDir, config, infra, tokens: vendors.map((v) => v.accessToken) };
}

/** Tells the bench where the server listens, and stops on SIGTERM. */
export function announceReady(info: object): void {
  process.stdout.write(READY + JSON.stringify(info) + '\n');
  process.on('SIGTERM', () => process.exit(0));
}
