import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../testing/wait-for';

const JWKS = 'http://127.0.0.1:1/.well-known/jwks.json';
/** Any free port for each service, so that runs do not meet. */
const FREE_PORTS = { IDENTITY_PORT: '0', INVITATIONS_PORT: '0', QUERY_PORT: '0' };

/** The environment of a process under test: its own DATA_DIR, removed by `cleanup`. */
function testEnv(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'run-services-'));
  return {
    env: { ...process.env, DATA_DIR: dataDir, IDENTITY_JWKS_URL: JWKS, ...FREE_PORTS, ...env },
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** Starts `apps/<main>` as `npm run start…` would, and resolves when it exits. */
function runMain(main: string, env: Record<string, string>) {
  const run = testEnv(env);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      ['-r', '@swc-node/register', join('apps', main)],
      { env: run.env, timeout: 60_000 },
      (_error, stdout, stderr) => {
        run.cleanup();
        resolve({ code: child.exitCode, stdout, stderr });
      },
    );
  });
}

/** Runs a fixture of testing/, collecting what it prints; `cleanup` kills it if still running. */
function runFixture(fixture: string, env: Record<string, string> = {}) {
  const run = testEnv(env);
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', join(__dirname, 'testing', fixture)],
    { env: run.env },
  );
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  const exited = async () => {
    await waitFor(() => child.exitCode !== null, { message: 'the process to exit' });
    return child.exitCode;
  };
  const cleanup = () => {
    child.kill('SIGKILL');
    run.cleanup();
  };
  return { child, out, exited, cleanup };
}

/** A port some other process holds. */
async function portInUse() {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

describe('runServices', () => {
  describe('when a value read as a service starts is bad', () => {
    it('stops the process with one line naming the variable', async () => {
      const { code, stderr } = await runMain('identity/main.ts', {
        JWT_PRIVATE_KEY: '{"kty":"RSA"}',
      });

      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^JWT_PRIVATE_KEY: must be an EC P-256 private key/),
      ]);
    });
  });

  describe('when a signing key is bad in the all-in-one process', () => {
    it('stops it before any service serves', async () => {
      const { code, stdout, stderr } = await runMain('main.ts', { JWT_PUBLISHED_KEYS: 'garbage' });

      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^JWT_PUBLISHED_KEYS: must be EC P-256 keys/),
      ]);
      expect(stdout).not.toContain('listening on');
    });
  });

  describe('when what a value names cannot be used', () => {
    it.each([
      ['READ_MODEL_URL', { READ_MODEL_URL: 'mongodb://' }],
      ['READ_MODEL_URL', { READ_MODEL_URL: 'mongodb://admin:s3cret@127.0.0.1:1/x?foo=bar' }],
      ['DATA_DIR', { DATA_DIR: join(__filename, 'data') }], // a file cannot hold a directory
      ['DATA_DIR', { DATA_DIR: '/proc/no-such-directory' }], // Node's recursive mkdir spun here
      ['EVENT_STORE_URL', { EVENT_STORE_URL: 'sqlite:/proc/no-such-directory/events.sqlite' }],
    ])('stops the process with one line naming %s, and no password', async (name, env) => {
      const { code, stderr } = await runMain('identity/main.ts', env);

      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^${name}: `))]);
      expect(stderr).not.toContain('s3cret');
    });

    it('names the port variable when the port is in use', async () => {
      const taken = await portInUse();
      try {
        const { code, stderr } = await runMain('identity/main.ts', {
          IDENTITY_PORT: String(taken.port),
        });

        expect(code).toBe(1);
        expect(stderr.trim().split('\n')).toEqual([
          expect.stringMatching(
            new RegExp(`^IDENTITY_PORT: cannot listen on port ${taken.port}: `),
          ),
        ]);
      } finally {
        taken.close();
      }
    });
  });

  describe('when a setting gives up data and LOG_LEVEL hides warnings', () => {
    it('says so all the same, in JSON logs of the infrastructure', async () => {
      const run = runFixture('hanging-service.main.ts', {
        EVENT_STORE_URL: 'sqlite::memory:',
        READ_MODEL_URL: 'sqlite::memory:',
        LOG_LEVEL: 'silent',
      });
      try {
        // The logger writes on its own, so its lines may come after the marker.
        const logs = () =>
          run.out.stdout
            .split('\n')
            .filter((line) => line.startsWith('{'))
            .map((line) => JSON.parse(line) as Record<string, unknown>);
        await waitFor(() => run.out.stdout.includes('listening for signals'), {
          timeoutMs: 30_000,
        });
        await waitFor(() => logs().length >= 2, { message: 'both warnings' });

        expect(logs()).toEqual([
          expect.objectContaining({
            level: 40,
            service: 'infrastructure',
            msg: expect.stringMatching(/^EVENT_STORE_URL: sqlite::memory:/),
          }),
          expect.objectContaining({
            level: 40,
            service: 'infrastructure',
            msg: expect.stringMatching(/^READ_MODEL_URL: sqlite::memory:/),
          }),
        ]);
        expect(run.out.stderr).toBe('');
      } finally {
        run.cleanup();
      }
    });
  });

  describe('when a signal comes while a service is starting', () => {
    it('lets that start finish, starts no other, stops the started and exits 0', async () => {
      const run = runFixture('slow-start.main.ts');
      try {
        await waitFor(() => run.out.stdout.includes('second starting'), { timeoutMs: 30_000 });
        run.child.kill('SIGTERM');
        await waitFor(() => run.out.stdout.includes('SIGTERM: shutting down'));
        run.child.stdin.write('go\n');

        expect(await run.exited()).toBe(0);
        expect(run.out.stdout.trim().split('\n')).toEqual([
          'first starting',
          'first listening on - (every interface)',
          'second starting',
          'SIGTERM: shutting down',
          'second listening on - (every interface)',
          'second closed',
          'first closed',
        ]);
      } finally {
        run.cleanup();
      }
    });

    it('exits with 1 when that start does not finish in time, saying so', async () => {
      const run = runFixture('slow-start.main.ts', { START_WAIT_MS: '200' });
      try {
        await waitFor(() => run.out.stdout.includes('second starting'), { timeoutMs: 30_000 });
        run.child.kill('SIGTERM');
        expect(await run.exited()).toBe(1);
        expect(run.out.stderr).toContain('SIGTERM: the service being started did not finish');
      } finally {
        run.cleanup();
      }
    });

    it('does not cut short the stop that follows a start finished in time', async () => {
      const run = runFixture('slow-start.main.ts', { START_WAIT_MS: '100', SLOW_CLOSE: '1' });
      try {
        await waitFor(() => run.out.stdout.includes('second starting'), { timeoutMs: 30_000 });
        run.child.kill('SIGTERM');
        await waitFor(() => run.out.stdout.includes('SIGTERM: shutting down'));
        const signalledAt = Date.now();
        run.child.stdin.write('go\n');
        await waitFor(() => run.out.stdout.includes('second closing'));
        // Past the start's bound, with the stop still in progress: the bound no longer applies.
        await waitFor(() => Date.now() - signalledAt > 300, { message: 'the bound to pass' });
        expect(run.child.exitCode).toBeNull();
        // The others are closed meanwhile: one slow to close does not keep them serving.
        expect(run.out.stdout).toContain('first closed');
        run.child.stdin.write('bye\n');
        expect(await run.exited()).toBe(0);
      } finally {
        run.cleanup();
      }
    });

    it('exits at once with 1 on a second signal', async () => {
      const run = runFixture('slow-start.main.ts');
      try {
        await waitFor(() => run.out.stdout.includes('second starting'), { timeoutMs: 30_000 });
        run.child.kill('SIGINT');
        await waitFor(() => run.out.stdout.includes('SIGINT: shutting down'));
        run.child.kill('SIGINT');

        expect(await run.exited()).toBe(1);
        expect(run.out.stderr).toContain('SIGINT again: exiting without finishing the shutdown');
      } finally {
        run.cleanup();
      }
    });
  });

  describe('when a second signal comes while the shutdown hangs', () => {
    it('exits at once with 1, saying so, where only SIGKILL could end it', async () => {
      const run = runFixture('hanging-service.main.ts');
      try {
        await waitFor(() => run.out.stdout.includes('listening for signals'), {
          timeoutMs: 30_000,
        });
        run.child.kill('SIGTERM');
        await waitFor(() => run.out.stdout.includes('SIGTERM: shutting down'));
        run.child.kill('SIGTERM');

        expect(await run.exited()).toBe(1);
        expect(run.out.stderr).toContain('SIGTERM again: exiting without finishing the shutdown');
      } finally {
        run.cleanup();
      }
    });
  });
});
