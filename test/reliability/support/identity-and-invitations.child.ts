/**
 * identity and invitations in one process on the configuration in the
 * environment, on ports the OS picks; prints their URLs on one marker line.
 * The SIGKILL test runs it as a child process.
 */
import 'reflect-metadata';
import { startIdentity } from '../../../apps/identity/start-identity';
import { startInvitations } from '../../../apps/invitations/start-invitations';
import { createJwtVerifier } from '../../../libs/auth/jwt-verifier';
import { loadConfig } from '../../../libs/platform/config/config';
import { openInfrastructure } from '../../../libs/platform/infrastructure/infrastructure';
import { READY_MARKER } from './child-services';

async function main() {
  const infra = await openInfrastructure(loadConfig(), (m) => process.stderr.write(`${m}\n`));
  const identity = await startIdentity(infra, 0);
  const jwks = new URL('/.well-known/jwks.json', identity.url);
  const invitations = await startInvitations({ ...infra, jwtVerifier: createJwtVerifier(jwks) }, 0);
  const urls = { identity: identity.url, invitations: invitations.url };
  process.stdout.write(`${READY_MARKER}${JSON.stringify(urls)}\n`);
  process.once('SIGTERM', () => {
    void (async () => {
      await invitations.close();
      await identity.close();
      await infra.close();
      process.exit(0);
    })();
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`services failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
