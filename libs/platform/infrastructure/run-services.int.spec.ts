import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const JWKS = 'http://127.0.0.1:1/.well-known/jwks.json';

/** Starts identity as `npm run start:identity` would, and resolves when it exits. */
function startIdentity(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'run-services-'));
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      ['-r', '@swc-node/register', 'apps/identity/main.ts'],
      {
        env: {
          ...process.env,
          DATA_DIR: dataDir,
          IDENTITY_PORT: '0',
          IDENTITY_JWKS_URL: JWKS,
          ...env,
        },
        timeout: 60_000,
      },
      (_error, _stdout, stderr) => {
        rmSync(dataDir, { recursive: true, force: true });
        resolve({ code: child.exitCode, stderr });
      },
    );
  });
}

describe('runServices', () => {
  describe('when a value read as a service starts is bad', () => {
    it('stops the process with one line naming the variable', async () => {
      const { code, stderr } = await startIdentity({ JWT_PRIVATE_KEY: '{"kty":"RSA"}' });

      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^JWT_PRIVATE_KEY: must be an EC P-256 private key/),
      ]);
    });
  });
});
