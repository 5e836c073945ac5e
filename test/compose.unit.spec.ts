import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

// Cheap guard against drift between the deployment files and the configuration contract (design section 6).
const root = join(__dirname, '..');
const load = (file: string) => parse(readFileSync(join(root, file), 'utf8'), { merge: true });

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition?: string }>;
  restart?: string;
  volumes?: string[];
}

const APPS = { identity: 3001, invitations: 3002, projector: 3003 } as const;
const INFRASTRUCTURE = ['eventstore', 'mongo', 'rabbitmq'];

describe('docker-compose.yml', () => {
  const services: Record<string, ComposeService> = load('docker-compose.yml').services;

  describe('when read as the production topology', () => {
    it.each(INFRASTRUCTURE)('runs %s with a healthcheck', (name) => {
      expect(services[name]?.image).toBeTruthy();
      expect(services[name].healthcheck?.test?.length).toBeGreaterThan(0);
    });

    it('pins every image it pulls to a release line, so only its patch releases arrive unseen', () => {
      const pulled = Object.values(services).filter((s) => s.image && !s.build);
      expect(pulled.length).toBeGreaterThan(0);
      for (const { image } of pulled) expect(image).toMatch(/:v?\d+(\.\d+)*(-[a-z]+)?$/);
    });

    it('runs the event store insecure without projections and MongoDB as replica set rs0', () => {
      expect(services.eventstore.environment).toMatchObject({
        KURRENTDB_INSECURE: 'true',
        KURRENTDB_RUN_PROJECTIONS: 'None',
      });
      expect(services.mongo.command).toEqual(expect.arrayContaining(['--replSet', 'rs0']));
    });
  });

  describe.each(Object.entries(APPS))('when running %s', (name, port) => {
    const service = () => services[name];

    it('builds the one image and starts its own entry point', () => {
      expect(service().build).toBeDefined();
      expect(service().command).toEqual(['node', `dist/apps/${name}/main`]);
      expect(service().restart).toBe('unless-stopped');
    });

    it('is wired to the production adapters', () => {
      const env = service().environment ?? {};
      expect(env.EVENT_STORE_URL).toMatch(/^kurrentdb:\/\/eventstore:2113\b/);
      expect(env.READ_MODEL_URL).toMatch(/^mongodb:\/\/mongo:27017\/.*replicaSet=rs0/);
      expect(env.RABBITMQ_URL).toMatch(/^amqp:\/\/.*@rabbitmq:5672/);
      expect(env.SMTP_URL).toMatch(/^smtp:\/\/mail:/);
      expect(env.IDENTITY_JWKS_URL).toBe('http://identity:3001/.well-known/jwks.json');
      expect(env.PUBLIC_URL).toBeTruthy();
    });

    it('waits for healthy infrastructure and checks its own /health', () => {
      for (const dependency of INFRASTRUCTURE) {
        expect(service().depends_on?.[dependency]?.condition).toBe('service_healthy');
      }
      expect(service().healthcheck?.test?.join(' ')).toContain(`:${port}/health`);
    });
  });

  it('starts identity once invitations is healthy, so the EmailVerified queue exists first', () => {
    expect(services.identity.depends_on?.invitations?.condition).toBe('service_healthy');
    expect(services.invitations.depends_on?.identity).toBeUndefined();
  });

  it('passes every setting of the README to the services, DATA_DIR aside (the image sets it)', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    // Every name in a row's first cell: one row names the three ports.
    const firstCells = [...readme.matchAll(/^\| (`[A-Z][A-Z0-9_]+`[^|]*)\|/gm)].map(([, c]) => c);
    const settings = firstCells.flatMap((cell) =>
      [...cell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map(([, n]) => n),
    );
    expect(settings).toEqual(
      expect.arrayContaining(['IDENTITY_PORT', 'INVITATIONS_PORT', 'QUERY_PORT']),
    );
    // The JWT keys reach identity alone; the rest reach every service.
    const passed = new Set(
      Object.keys(APPS).flatMap((app) => Object.keys(services[app].environment ?? {})),
    );
    expect(settings.filter((name) => name !== 'DATA_DIR' && !passed.has(name))).toEqual([]);
  });

  it('gives identity a JWT signing key setting', () => {
    expect(services.identity.environment).toHaveProperty('JWT_PRIVATE_KEY');
  });

  it('keeps the data directories of identity (keys) and invitations (mail spool) on volumes', () => {
    expect(services.identity.volumes).toContain('identity-data:/app/data');
    expect(services.invitations.volumes).toContain('invitations-data:/app/data');
  });
});

describe('.github/workflows/ci.yml', () => {
  const workflow = load('.github/workflows/ci.yml');
  const job = workflow.jobs.test;

  it('runs on pushes to main and on pull requests', () => {
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    expect(workflow.on.push.branches).toEqual(['main']);
  });

  it('starts the production topology from the image and asks every service if it is ready', () => {
    const commands: string = workflow.jobs.image.steps
      .map((s: { run?: string }) => s.run ?? '')
      .join('\n');
    // The image built once, then started: three builds of one tag at once can fail.
    expect(commands).toMatch(
      /docker compose build invitations\n[^]*docker compose up .*--no-build .*--wait/,
    );
    for (const port of Object.values(APPS)) expect(commands).toContain(`${port}`);
    expect(commands).toMatch(/curl -fsS "http:\/\/localhost:\$port\/ready"/);
  });

  it('provides KurrentDB, MongoDB and RabbitMQ to the contract suites', () => {
    // The brokers the adapters are tested against are the ones production runs, pinned.
    const production = load('docker-compose.yml').services;
    expect(job.services.eventstore.image).toBe(production.eventstore.image);
    expect(production.eventstore.image).toMatch(/kurrentdb:\d+\.\d+/);
    expect(job.services.rabbitmq.image).toBe(production.rabbitmq.image);
    const steps: string = job.steps.map((s: { run?: string }) => s.run ?? '').join('\n');
    expect(steps).toMatch(/docker run .*mongo:7 .*--replSet rs0/);
    expect(job.env).toMatchObject({
      CI: 'true',
      KURRENTDB_URL: expect.stringMatching(/^kurrentdb:\/\/localhost:2113/),
      MONGODB_URL: expect.stringMatching(/^mongodb:\/\/localhost:27017/),
      TEST_RABBITMQ_URL: expect.stringMatching(/^amqp:\/\/.*localhost:5672/),
    });
  });

  it('lints and runs the test suite', () => {
    const commands = job.steps.map((s: { run?: string }) => s.run);
    expect(commands).toEqual(expect.arrayContaining(['npm run lint', 'npm test']));
  });
});
