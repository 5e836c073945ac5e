import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '../../../libs/event-store';
import type { Broker } from '../../../libs/messaging';
import { unauthenticated } from '../../../libs/platform/errors/app-error';
import { throttledLogin } from '../../identity/login/login-throttle';
import { appendTo, events } from '../testing/invitation-events';
import { opsOn } from '../testing/ops-test-context';
import { projectorFixture, type ProjectorFixture } from '../testing/projector-fixture';
import { invitationListProjection } from '../invitation-list/invitation-list.projection';
import { PROJECTIONS } from '../projector/projections';
import { startProjector, type Projector } from '../projector/projector';
import type { Projection } from '../projector/projection';
import { OpsError, OpsInterrupted } from './ops-context';
import { opsProgram } from './ops-program';

/** `projection`, throwing on the events `fails` picks as one it cannot apply would. */
const failing = (
  p: Projection,
  fails: (event: { type: string; streamName: string }) => boolean,
): Projection => ({
  ...p,
  apply: async (event, rows) => {
    if (fails(event)) throw new Error(`${event.type} not understood`);
    return p.apply(event, rows);
  },
});

describe('ops CLI', () => {
  let f: ProjectorFixture;
  let projector: Projector | undefined;
  beforeEach(async () => {
    f = projectorFixture();
    for (let i = 0; i < 5; i++) await appendTo(f.eventStore, `i${i}`, events.sent(`i${i}`, {}, i));
  });
  afterEach(async () => {
    await projector?.stop();
    await f.close();
  });
  const runProjector = (projections: Projection[], attempts: number) => {
    projector = startProjector({
      eventStore: f.eventStore,
      store: f.readModels,
      leases: f.leases,
      retry: { attempts, backoffMs: 1 },
      log: () => undefined,
      projections,
    });
  };
  const statuses = async () =>
    (
      await f.readModels.listInvitations('invitations', { vendorId: 'vendor-1', limit: 50 })
    ).items.map((i) => [i.invitationId, i.status]);

  describe('when a stream is shown', () => {
    it('prints each event with position, revision, time and type', async () => {
      await appendTo(f.eventStore, 'i1', events.cancelled('i1', 9));
      const lines = await opsOn(f).run('streams', 'show', 'invitation-i1');
      expect(lines.map((l) => l.split('\t').slice(0, 4))).toEqual([
        ['2', 'r0', events.at(1), 'InvitationSent'],
        ['6', 'r1', events.at(9), 'InvitationCancelled'],
      ]);
      expect(await opsOn(f).run('streams', 'show', 'invitation-none')).toEqual([
        'stream invitation-none is empty or does not exist',
      ]);
    });

    it('prints an event of another writer that carries no time of ours, with a dash', async () => {
      const metadata = { correlationId: 'c' } as unknown as EventMetadata;
      await f.eventStore.append(
        'orders-1',
        [{ eventId: randomUUID(), type: 'OrderPlaced', data: { total: 3 }, metadata }],
        'no_stream',
      );
      expect(await opsOn(f).run('streams', 'show', 'orders-1')).toEqual([
        '6\tr0\t-\tOrderPlaced\t{"total":3}',
      ]);
    });
  });

  describe('when a user’s stream is shown', () => {
    it('prints the password hash redacted', async () => {
      const data = {
        userId: 'u1',
        email: 'a@example.com',
        passwordHash: 'scrypt$32768$8$1$salt$hash',
      };
      await f.eventStore.append(
        'user-u1',
        [{ eventId: randomUUID(), type: 'UserRegistered', data, metadata: {} as EventMetadata }],
        'no_stream',
      );
      const [line] = await opsOn(f).run('streams', 'show', 'user-u1');
      expect(line).toMatch(/"passwordHash":"\[redacted\]"/);
      expect(line).not.toContain('scrypt');
    });
  });

  describe('when a projection is rebuilt', () => {
    it('builds the next version and makes it the active one', async () => {
      const ops = opsOn(f);
      expect(await ops.run('rebuild', 'invitations', '--batch', '2')).toEqual([
        'invitations: version 2 is active at position 5; version 1 dropped',
      ]);
      expect(await statuses()).toHaveLength(5);
      const [line] = await ops.run('projections');
      expect(line).toMatch(/^invitations\tv2\tposition=5\tlag=0\tlive\tparked=0/);
    });

    it('rebuilds every projection in one pass with `all`', async () => {
      expect(await opsOn(f).run('rebuild', 'all')).toEqual([
        'invitations: version 2 is active at position 5; version 1 dropped',
        'customer-relationships: version 2 is active at position 5; version 1 dropped',
      ]);
    });

    it('stops between two batches when interrupted, lets go of its lease, and resumes when run again', async () => {
      const interruption = new AbortController();
      const ops = opsOn(f, { signal: interruption.signal });
      ops.context.bar = () => ({
        update: () => interruption.abort(new OpsInterrupted()), // after the first commit
        stop: () => undefined,
      });
      await expect(ops.run('rebuild', 'invitations', '--batch', '2')).rejects.toBeInstanceOf(
        OpsInterrupted,
      );
      expect(await f.readModels.activeVersion('invitations')).toBe(1);
      expect(await opsOn(f).run('rebuild', 'invitations')).toEqual([
        expect.stringMatching(
          /^invitations: resuming version 2, built to position [1-4] by an earlier run \(--restart builds it from the start\)$/,
        ),
        'invitations: version 2 (resumed) is active at position 5; version 1 dropped',
      ]);
    });

    it('reports a projection that switched though one after it fails', async () => {
      const activate = f.readModels.activateVersion.bind(f.readModels);
      jest
        .spyOn(f.readModels, 'activateVersion')
        .mockImplementation((name, ...rest) =>
          name === 'customer-relationships'
            ? Promise.reject(new Error('disk gone'))
            : activate(name, ...rest),
        );
      const ops = opsOn(f);
      await expect(ops.run('rebuild', 'all')).rejects.toThrow('disk gone');
      jest.restoreAllMocks();
      expect(ops.lines).toEqual([
        'invitations: version 2 is active at position 5; version 1 dropped',
      ]);
    });

    it('refuses an unknown name, or `all` beside another, and rebuilds nothing', async () => {
      await opsOn(f).run('rebuild', 'all');
      const refused = [
        ['rebuild', 'all', 'invitatons'],
        ['rebuild', 'invitatons'],
        ['parked', 'list', '--projection', 'invitatons'],
      ];
      for (const args of refused) await expect(opsOn(f).run(...args)).rejects.toThrow(OpsError);
      await expect(opsOn(f).run('rebuild', 'invitatons')).rejects.toThrow(
        'unknown projection invitatons (known: invitations, customer-relationships, or all)',
      );
      expect(await f.readModels.activeVersion('invitations')).toBe(2);
      expect(await f.readModels.activeVersion('customer-relationships')).toBe(2);
    });
  });

  describe('when an event was parked and its cause is fixed', () => {
    it('lists it and `parked replay` applies it and lets the stream go on', async () => {
      let broken = true;
      const projections = [
        failing(invitationListProjection, (e) => broken && e.type === 'InvitationExpired'),
        ...PROJECTIONS.slice(1),
      ];
      runProjector(projections, 2);
      await appendTo(f.eventStore, 'i2', events.expired('i2', 20));
      await appendTo(f.eventStore, 'i2', events.resent('i2', 21));
      await appendTo(f.eventStore, 'i3', events.cancelled('i3', 22));
      await f.caughtUp();
      const ops = opsOn(f, { projections });
      const parked = await ops.run('parked', 'list');
      expect(parked.map((l) => l.split('\t').slice(0, 5))).toEqual([
        ['invitations', '6', 'invitation-i2', 'InvitationExpired', 'attempts=2'],
        ['invitations', '7', 'invitation-i2', 'InvitationResent', 'attempts=0'],
      ]);
      expect(parked[0]).toMatch(/InvitationExpired not understood$/);
      expect(await statuses()).toContainEqual(['i3', 'cancelled']);

      await expect(
        ops.run('parked', 'replay', '--projection', 'invitations'),
      ).rejects.toBeInstanceOf(OpsError);
      expect(ops.lines.at(-2)).toBe(
        'parked invitations: 0 stream(s) replayed, 0 parked event(s) applied',
      );
      expect(ops.lines.at(-1)).toMatch(
        /^failed invitation-i2: InvitationExpired at 6: .*InvitationExpired not understood/,
      );

      broken = false;
      expect(await ops.run('parked', 'replay')).toEqual([
        'parked invitations: 1 stream(s) replayed, 2 parked event(s) applied',
        'parked customer-relationships: 0 stream(s) replayed, 0 parked event(s) applied',
      ]);
      expect(await ops.run('parked', 'list')).toEqual(['no parked events']);
      const row = (
        await f.readModels.loadInvitations({ projection: 'invitations', version: 1 }, ['i2'])
      )[0];
      expect(row).toMatchObject({ status: 'pending', expiredAt: null, position: 7n });
    });
  });

  describe('when one projection’s parked events still fail and another’s cause is fixed', () => {
    it('`parked replay` replays the other all the same, then fails naming the first', async () => {
      let relationshipsBroken = true;
      const projections = [
        failing(invitationListProjection, (e) => e.type === 'InvitationExpired'),
        failing(PROJECTIONS[1], (e) => relationshipsBroken && e.type === 'InvitationAccepted'),
      ];
      runProjector(projections, 1);
      await appendTo(f.eventStore, 'i2', events.expired('i2', 20));
      await appendTo(f.eventStore, 'i3', events.accepted('i3', 'co-9', 21));
      await f.caughtUp();
      const ops = opsOn(f, { projections });
      expect((await ops.run('parked', 'list')).map((l) => l.split('\t')[0])).toEqual([
        'invitations',
        'customer-relationships',
      ]);

      relationshipsBroken = false;
      await expect(ops.run('parked', 'replay')).rejects.toThrow('1 replay(s) failed (invitations)');
      expect(ops.lines.slice(-3)).toEqual([
        'parked invitations: 0 stream(s) replayed, 0 parked event(s) applied',
        expect.stringMatching(/^failed invitation-i2: InvitationExpired at 6: /),
        'parked customer-relationships: 1 stream(s) replayed, 1 parked event(s) applied',
      ]);
      expect((await ops.run('parked', 'list')).map((l) => l.split('\t')[0])).toEqual([
        'invitations',
      ]);
    });
  });

  describe('when streams are replayed by position range', () => {
    it('re-projects every invitation stream with an event in the range and repairs their rows', async () => {
      await opsOn(f).run('rebuild', 'invitations');
      const target = { projection: 'invitations', version: 2 };
      const [row] = await f.readModels.loadInvitations(target, ['i3']);
      await f.readModels.commit({ target, invitations: [{ ...row, firstName: 'Wrong' }] });
      expect(
        await opsOn(f).run('replay', '--from', '3', '--to', '4', '--projection', 'invitations'),
      ).toEqual(['replay: 2 stream(s) replayed, 0 parked event(s) applied']);
      expect((await f.readModels.loadInvitations(target, ['i3']))[0].firstName).toBe('Ann');
      await expect(opsOn(f).run('replay')).rejects.toThrow(/--stream/);
    });

    it('counts only the streams that were replayed, and names those that failed', async () => {
      await opsOn(f).run('rebuild', 'invitations');
      const projections = [
        failing(invitationListProjection, (e) => e.streamName === 'invitation-i2'),
      ];
      const ops = opsOn(f, { projections });
      await expect(ops.run('replay', '--from', '1', '--to', '5')).rejects.toThrow(
        '1 replay(s) failed',
      );
      expect(ops.lines[0]).toBe('replay: 4 stream(s) replayed, 0 parked event(s) applied');
      expect(ops.lines.slice(1)).toEqual([expect.stringMatching(/^failed invitation-i2: /)]);
    });

    it('stops between two streams when interrupted, saying how many it replayed', async () => {
      await opsOn(f).run('rebuild', 'invitations');
      const interruption = new AbortController();
      const ops = opsOn(f, { signal: interruption.signal });
      ops.context.bar = () => ({
        update: (done) => done === 2 && interruption.abort(new OpsInterrupted()),
        stop: () => undefined,
      });
      await expect(
        ops.run('replay', '--from', '1', '--to', '5', '--projection', 'invitations'),
      ).rejects.toBeInstanceOf(OpsInterrupted);
      expect(ops.lines).toEqual(['replay: 2 stream(s) replayed, 0 parked event(s) applied']);
    });

    it('refuses an unknown projection before reading any event', async () => {
      const reads = (['readAll', 'readStream', 'headPosition'] as const).map((m) =>
        jest.spyOn(f.eventStore, m),
      );
      const unknown =
        'unknown projection invitatons (known: invitations, customer-relationships, or all)';
      for (const selection of [
        ['--from', '1', '--to', '5'],
        ['--from', '1'],
        ['--stream', 'invitation-i1'],
      ])
        await expect(
          opsOn(f).run('replay', ...selection, '--projection', 'invitatons'),
        ).rejects.toThrow(unknown);
      for (const read of reads) expect(read).not.toHaveBeenCalled();
      // An empty name, as a script's unset variable gives, is no name: it replayed every projection.
      for (const command of [
        ['replay', '--from', '1'],
        ['parked', 'replay'],
        ['parked', 'list'],
      ])
        await expect(opsOn(f).run(...command, '--projection', '')).rejects.toThrow(
          /^unknown projection  \(known/,
        );
    });

    it('refuses a stream with no invitation events, and a stream with a range', async () => {
      await expect(opsOn(f).run('replay', '--stream', 'invitation-none')).rejects.toThrow(
        'stream invitation-none has no invitation events to replay',
      );
      await expect(
        opsOn(f).run('replay', '--stream', 'invitation-i1', '--from', '3'),
      ).rejects.toThrow('--stream replays the whole stream: leave out --from and --to');
      expect(await opsOn(f).run('replay', '--stream', 'invitation-i1')).toEqual([
        'replay: 1 stream(s) replayed, 0 parked event(s) applied',
      ]);
    });

    it('refuses a position past what the store can hold, in one line and a pointer to the help', async () => {
      const past = (2n ** 63n).toString();
      await expect(opsOn(f).run('replay', '--from', '1', '--to', past)).rejects.toThrow(
        /must be an event position/,
      );
      let printed = '';
      const program = opsProgram(async () => opsOn(f).context, {
        writeErr: (text) => void (printed += text),
      });
      await expect(program.parseAsync(['node', 'ops', 'replay', '--to', past])).rejects.toThrow();
      expect(printed.trim().split('\n')).toEqual([
        expect.stringMatching(/^error: .*must be an event position/),
        '(run with --help for usage)',
      ]);
    });

    it('says so when the range is backwards or starts past the last position', async () => {
      await expect(opsOn(f).run('replay', '--from', '4', '--to', '3')).rejects.toThrow(
        '--to must not be before --from',
      );
      for (const range of [
        ['--from', '99'],
        ['--from', '99', '--to', '120'],
      ]) {
        await expect(opsOn(f).run('replay', ...range)).rejects.toThrow(
          "--from 99 is past the store's last position (5)",
        );
      }
    });
  });

  describe('when the bus is the embedded one', () => {
    it('says dead letters and re-publishing cannot reach it', async () => {
      await expect(opsOn(f).run('dlq', 'list', 'q')).rejects.toThrow(/no RABBITMQ_URL/);
      await expect(opsOn(f).run('republish', '--from', '1')).rejects.toThrow(/no RABBITMQ_URL/);
    });
  });

  describe('when a dead letter holds tabs, line breaks or terminal escapes', () => {
    it('lists it on one line, those characters escaped', async () => {
      const letter = {
        messageId: 'm1',
        type: 'x.v1',
        reason: 'not JSON:\nline two\u2028\u202e',
        body: 'a\tb\nc\u001b[2J',
        headers: {},
      };
      const broker = { deadLetters: async () => [letter] } as unknown as Broker;
      expect(await opsOn(f, { broker }).run('dlq', 'list', 'q')).toEqual([
        'm1\tx.v1\tnot JSON:\\u000aline two\\u2028\\u202e\ta\\u0009b\\u000ac\\u001b[2J',
      ]);
    });
  });

  describe('when a lockout is lifted', () => {
    const wrongPassword = () => Promise.reject(unauthenticated('invalid_credentials', 'wrong'));
    const refusal = expect.objectContaining({ code: 'rate_limited' });

    it('clears an email from every address, or a company, and nothing else', async () => {
      const ops = opsOn(f);
      const { logins, invitations } = ops.context.rateLimits;
      const logIn = (email: string, ip: string) =>
        throttledLogin(logins, { email, ip }, async () => 'in');
      const lockOut = async (email: string, ip: string) => {
        for (let i = 0; i < 10; i += 1) {
          await expect(throttledLogin(logins, { email, ip }, wrongPassword)).rejects.toThrow();
        }
        await expect(logIn(email, ip)).rejects.toEqual(refusal);
      };
      await lockOut('ann@example.com', '203.0.113.7');
      await lockOut('ann@example.com', '198.51.100.9');
      await lockOut('bob@example.com', '203.0.113.7');
      for (let i = 0; i < 60; i += 1) await invitations.take('company-1');
      await expect(invitations.take('company-1')).rejects.toEqual(refusal);

      expect(await ops.run('rate-limits', 'clear', '--email', ' Ann@Example.com')).toEqual([
        'cleared the failed logins of ann@example.com from 2 address(es)',
      ]);
      await expect(logIn('ann@example.com', '203.0.113.7')).resolves.toBe('in');
      await expect(logIn('ann@example.com', '198.51.100.9')).resolves.toBe('in');
      await expect(logIn('bob@example.com', '203.0.113.7')).rejects.toEqual(refusal);

      expect(await ops.run('rate-limits', 'clear', '--company', 'Company-1')).toEqual([
        'cleared 1 counter(s) of company company-1: invitation sends',
      ]);
      await expect(invitations.take('company-1')).resolves.toMatchObject({
        key: expect.any(String),
      });
    });

    it('clears an address refused for failed logins on many emails, and its sign-ups', async () => {
      const ops = opsOn(f);
      const { logins, registrations } = ops.context.rateLimits;
      const ip = '192.0.2.44';
      for (let i = 0; i < 100; i += 1) {
        const email = `sprayed-${i % 25}@example.com`;
        await expect(throttledLogin(logins, { email, ip }, wrongPassword)).rejects.toThrow();
      }
      const logIn = () =>
        throttledLogin(logins, { email: 'new@example.com', ip }, async () => 'in');
      await expect(logIn()).rejects.toEqual(refusal);
      for (let i = 0; i < 20; i += 1) await registrations.take(ip);
      await expect(registrations.take(ip)).rejects.toEqual(refusal);
      expect(await ops.run('rate-limits', 'clear', '--address', ip)).toEqual([
        // The address's count, each of the 25 emails' counts from it, and its sign-ups.
        `cleared 27 counter(s) from ${ip}: failed logins, sign-ups`,
      ]);
      await expect(logIn()).resolves.toBe('in');
      await expect(registrations.take(ip)).resolves.toBeDefined();
    });

    it('lifts an email’s lockout from that address, and not from another', async () => {
      const ops = opsOn(f);
      const { logins } = ops.context.rateLimits;
      const logIn = (ip: string) =>
        throttledLogin(logins, { email: 'carl@example.com', ip }, async () => 'in');
      for (const ip of ['192.0.2.47', '192.0.2.48']) {
        for (let i = 0; i < 10; i += 1) {
          const email = 'carl@example.com';
          await expect(throttledLogin(logins, { email, ip }, wrongPassword)).rejects.toThrow();
        }
        await expect(logIn(ip)).rejects.toEqual(refusal);
      }
      expect(await ops.run('rate-limits', 'clear', '--address', '192.0.2.47')).toEqual([
        'cleared 2 counter(s) from 192.0.2.47: failed logins',
      ]);
      await expect(logIn('192.0.2.47')).resolves.toBe('in');
      await expect(logIn('192.0.2.48')).rejects.toEqual(refusal);
    });

    // The services key sign-ups by clientAddress of the request's address: an IPv6 client by its /64.
    it.each([
      ['192.0.2.45', '192.0.2.45'],
      ['2001:db8:5:6::/64', '2001:DB8:5:6::17'],
      ['2001:db8:5:6::/64', '2001:DB8:5:6::/64'],
    ])('names only the counters of %s, given as %s', async (counted, given) => {
      const ops = opsOn(f);
      for (let i = 0; i < 3; i += 1) await ops.context.rateLimits.registrations.take(counted);
      expect(await ops.run('rate-limits', 'clear', '--address', given)).toEqual([
        `cleared 1 counter(s) from ${counted}: sign-ups`,
      ]);
    });

    it('says so when nothing is counted for what is named', async () => {
      const ops = opsOn(f);
      await ops.context.rateLimits.invitations.take('company-1');
      expect(await ops.run('rate-limits', 'clear', '--company', 'company-2')).toEqual([
        'nothing to clear: no invitation sends of company company-2 are counted',
      ]);
      expect(await ops.run('rate-limits', 'clear', '--address', '192.0.2.46')).toEqual([
        'nothing to clear: no failed logins or sign-ups from 192.0.2.46 are counted',
      ]);
      expect(await ops.run('rate-limits', 'clear', '--email', 'nobody@example.com')).toEqual([
        'nothing to clear: no failed logins of nobody@example.com are counted',
      ]);
    });

    it('asks for exactly one of --email, --address and --company', async () => {
      await expect(opsOn(f).run('rate-limits', 'clear')).rejects.toThrow(/name one of/);
      await expect(
        opsOn(f).run('rate-limits', 'clear', '--email', 'a@example.com', '--company', 'c'),
      ).rejects.toThrow(/name one of/);
    });
  });
});
