import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../testing/wait-for';

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

  describe('when a second signal comes while the shutdown hangs', () => {
    it('exits at once with 1, saying so, where only SIGKILL could end it', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'run-services-'));
      const child = spawn(
        process.execPath,
        ['-r', '@swc-node/register', join(__dirname, 'testing', 'hanging-service.main.ts')],
        { env: { ...process.env, DATA_DIR: dataDir, IDENTITY_JWKS_URL: JWKS } },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      try {
        await waitFor(() => stdout.includes('listening for signals'), { timeoutMs: 30_000 });
        child.kill('SIGTERM');
        await waitFor(() => stdout.includes('SIGTERM: shutting down'));
        child.kill('SIGTERM');
        await waitFor(() => child.exitCode !== null, { message: 'the process to exit' });
        expect(await exited).toBe(1);
        expect(stderr).toContain('SIGTERM again: exiting without finishing the shutdown');
      } finally {
        child.kill('SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
});
