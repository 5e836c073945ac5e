import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signUp } from '../../libs/testing/identity-test-client';
import { waitFor } from '../../libs/testing/wait-for';
import { ChildServices, type ServiceUrls } from './support/child-services';
import { auditEventStore } from './support/event-store-audit';
import { count, plural, printFigures, seconds } from './support/figures';

const WORKERS = 8;
const KILLS = 2;
/** Load held on each run of the service before it is killed (and after the last restart). */
const HOLD_MS = 1000;
const REQUEST_TIMEOUT_MS = 10_000;

/** The addresses the outbox holds an email for. */
function emailedAddresses(outbox: string): Set<string> {
  const files = readdirSync(outbox, { withFileTypes: true }).filter(
    (f) => f.isFile() && f.name.endsWith('.eml'), // a write cut by the kill is not an email
  );
  const addresses = files.map(
    (f) => /^To: (.+)$/m.exec(readFileSync(join(outbox, f.name), 'utf8'))?.[1].trim() ?? '',
  );
  return new Set(addresses);
}

/**
 * identity and invitations in a child process on SQLite files; concurrent
 * POST /invitations while the child is SIGKILLed and started again on the
 * same files. Afterwards the event store file itself is audited.
 */
describe('invitations SIGKILLed under concurrent load (e2e)', () => {
  let dataDir: string;
  let services: ChildServices;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'reliability-sigkill-'));
    services = new ChildServices(dataDir, { INVITATIONS_RATE_LIMIT_PER_MINUTE: '100000' });
  });

  afterAll(async () => {
    await services?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('when the service is killed twice mid-load and restarted on the same data', () => {
    it('has every invitation it answered 2xx in the event store and emailed, and no stream is corrupt', async () => {
      const run = randomUUID().slice(0, 8);
      let current: Promise<ServiceUrls> = services.start();
      const vendor = await signUp((await current).identity, { accountType: 'vendor' });

      const acknowledged: string[] = [];
      const acknowledgedEmails: string[] = [];
      const statuses = new Map<number, number>();
      const unexplained: string[] = [];
      const inFlightAtKill: number[] = [];
      let generation = 0;
      let inFlight = 0;
      let cut = 0;
      let answeredSinceStart = 0;
      let loadMs = 0;
      let stop = false;
      let sent = 0;

      const worker = async (w: number) => {
        while (!stop) {
          const target = await current;
          const gen = generation;
          if (stop) break;
          const email = `load-${run}-${w}-${sent++}@example.com`;
          inFlight += 1;
          try {
            const res = await fetch(`${target.invitations}/invitations`, {
              method: 'POST',
              headers: {
                authorization: `Bearer ${vendor.accessToken}`,
                'content-type': 'application/json',
              },
              body: JSON.stringify({ email, firstName: 'Ann', lastName: 'Lee' }),
              signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
            });
            const body = (await res.json()) as { invitationId?: string };
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            if (res.ok) {
              acknowledged.push(body.invitationId!);
              acknowledgedEmails.push(email);
              answeredSinceStart += 1;
            }
          } catch (error) {
            // A request cut by a kill fails; any other failure is a finding.
            if (gen !== generation) cut += 1;
            else unexplained.push(`${email}: ${(error as Error).message}`);
          } finally {
            inFlight -= 1;
          }
        }
      };

      /** Holds the load on the running service for HOLD_MS, with answers coming back. */
      const hold = async () => {
        const since = Date.now();
        answeredSinceStart = 0;
        await waitFor(() => Date.now() - since >= HOLD_MS && answeredSinceStart >= WORKERS, {
          timeoutMs: 30_000,
          message: 'answers from the running service',
        });
        loadMs += Date.now() - since;
      };

      const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
      try {
        for (let k = 0; k < KILLS; k++) {
          await hold();
          inFlightAtKill.push(inFlight);
          generation += 1;
          const killed = services.kill(); // SIGKILL is sent before this returns
          current = killed.then(() => services.start());
          await current;
        }
        await hold();
      } finally {
        stop = true;
        await Promise.all(workers);
        await services.stop();
      }

      const audit = auditEventStore(join(dataDir, 'events.sqlite'), acknowledged);
      // Emails are spooled before the answer: the run after a kill sends what the killed one had not.
      const emailed = emailedAddresses(join(dataDir, 'outbox'));
      const unmailed = acknowledgedEmails.filter((address) => !emailed.has(address));
      const fiveHundreds = [...statuses].filter(([status]) => status >= 500);
      printFigures(
        'sigkill',
        [
          `${count(acknowledged.length)} commands answered 2xx by ${WORKERS} concurrent clients in ${seconds(loadMs)} of load`,
          `${plural(services.kills, 'kill')} (${count(inFlightAtKill.reduce((a, b) => a + b, 0))} requests in flight, ${count(cut)} cut)`,
          `${count(audit.missing.length)} missing`,
          `${count(audit.corruptStreams.length)} corrupt streams`,
          `${count(audit.duplicateEventIds.length)} duplicate event ids`,
          `${count(unmailed.length)} answered invitations without their email`,
        ],
        [
          `statuses: ${[...statuses].map(([s, n]) => `${s}×${count(n)}`).join(' ')}; unexplained client errors: ${unexplained.length}`,
          `event store: ${count(audit.events)} events in ${count(audit.streams)} streams, integrity ${audit.integrity}; ` +
            `${count(audit.invitationsSent - acknowledged.length)} invitations recorded but unanswered, ` +
            `${count(audit.orphanSlotClaims)} slot claims without their invitation`,
        ],
      );

      expect(services.kills).toBe(KILLS);
      expect(acknowledged.length).toBeGreaterThan(0);
      expect(unexplained).toEqual([]);
      expect(unmailed).toEqual([]);
      expect(fiveHundreds).toEqual([]);
      expect(audit).toMatchObject({
        integrity: 'ok',
        missing: [],
        corruptStreams: [],
        duplicateEventIds: [],
        positionsOutOfOrder: 0,
        orphanSlotClaims: 0, // a claim shares its invitation's commit
      });
      expect(audit.invitationsSent).toBeGreaterThanOrEqual(acknowledged.length);
    }, 180_000);
  });
});
