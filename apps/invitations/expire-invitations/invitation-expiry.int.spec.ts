import type { EventStore } from '../../../libs/event-store';
import { waitFor } from '../../../libs/testing/wait-for';
import {
  startInvitationsTestApp,
  testUser,
  tokenOf,
  type InvitationsTestApp,
} from '../testing/invitations-test-app';
import { createInvitationExpiry, startExpiryScheduler } from './invitation-expiry';

const DAY = 86_400_000;

describe('invitation expiry', () => {
  let t: InvitationsTestApp;
  const vendor = testUser('vendor');

  beforeEach(async () => {
    t = await startInvitationsTestApp();
  });
  afterEach(() => t.close());

  describe('when pending invitations are due', () => {
    it('records InvitationExpired for each, once', async () => {
      const a = await t.sentEarlier(vendor, new Date(Date.now() - 2 * DAY), 'a@example.com');
      const b = await t.sentEarlier(vendor, new Date(Date.now() - 2 * DAY), 'b@example.com');
      const fresh = await t.invite(vendor, { email: 'fresh@example.com' });
      const expiry = createInvitationExpiry(t.infra.eventStore);
      expect(await expiry.expireDue(new Date())).toBe(2);
      expect(await t.eventTypes(a.invitationId)).toEqual(['InvitationSent', 'InvitationExpired']);
      expect(await t.eventTypes(b.invitationId)).toEqual(['InvitationSent', 'InvitationExpired']);
      expect(await t.eventTypes(fresh.invitationId)).toEqual(['InvitationSent']);
      expect(await expiry.expireDue(new Date())).toBe(0);
      expect(await createInvitationExpiry(t.infra.eventStore).expireDue(new Date())).toBe(0);
    });

    it('is safe when two run at once', async () => {
      const a = await t.sentEarlier(vendor, new Date(Date.now() - 2 * DAY));
      await Promise.all(
        [1, 2, 3].map(() => createInvitationExpiry(t.infra.eventStore).expireDue(new Date())),
      );
      expect(await t.eventTypes(a.invitationId)).toEqual(['InvitationSent', 'InvitationExpired']);
    });
  });

  describe('when many are due at once', () => {
    /** The test app's store, counting the appends in flight together. */
    const counting = (store: EventStore, onAppend: (stream: string) => void = () => undefined) => {
      const seen = { inFlight: 0, most: 0 };
      const wrapped: EventStore = {
        append: async (stream, events, expected) => {
          onAppend(stream);
          seen.most = Math.max(seen.most, ++seen.inFlight);
          try {
            return await store.append(stream, events, expected);
          } finally {
            seen.inFlight -= 1;
          }
        },
        appendToStreams: (appends) => store.appendToStreams(appends),
        readStream: (stream, from) => store.readStream(stream, from),
        readLastEvent: (stream) => store.readLastEvent(stream),
        readAll: (query) => store.readAll(query),
        headPosition: () => store.headPosition(),
        endPosition: () => store.endPosition(),
        subscribeToAll: (options) => store.subscribeToAll(options),
        close: () => store.close(),
      };
      return { store: wrapped, seen };
    };
    const sendDue = (count: number) =>
      Promise.all(
        Array.from({ length: count }, (_, i) =>
          t.sentEarlier(vendor, new Date(Date.now() - 2 * DAY), `due-${i}@example.com`),
        ),
      );

    it('expires them with several commands in flight together', async () => {
      const sent = await sendDue(40);
      const { store, seen } = counting(t.infra.eventStore);
      expect(await createInvitationExpiry(store).expireDue(new Date())).toBe(40);
      expect(seen.most).toBeGreaterThan(1);
      for (const { invitationId } of sent) {
        expect(await t.eventTypes(invitationId)).toEqual(['InvitationSent', 'InvitationExpired']);
      }
    });

    it('starts no further expiry once stopped, and says how many it recorded', async () => {
      await sendDue(40);
      const stopping = new AbortController();
      const { store } = counting(t.infra.eventStore, () => stopping.abort());
      const expired = await createInvitationExpiry(store).expireDue(new Date(), stopping.signal);
      expect(expired).toBeGreaterThan(0);
      expect(expired).toBeLessThan(40); // those in flight when it stopped, and no more
    });

    it('expires the others when one cannot be, and then reports it', async () => {
      const [broken, ...others] = await sendDue(5);
      const { store } = counting(t.infra.eventStore, (stream) => {
        if (stream.endsWith(broken.invitationId)) throw new Error('disk full');
      });
      const expiry = createInvitationExpiry(store);
      await expect(expiry.expireDue(new Date())).rejects.toThrow(
        /could not expire 1 of 5 due invitations \(first: .*\(disk full\)\)/,
      );
      for (const { invitationId } of others) {
        expect(await t.eventTypes(invitationId)).toContain('InvitationExpired');
      }
      expect(await t.eventTypes(broken.invitationId)).toEqual(['InvitationSent']);
      // Tried again on the next run: the first still stands in its way, the rest are done.
      await expect(expiry.expireDue(new Date())).rejects.toThrow('could not expire 1 of 1');
    });
  });

  describe('when invitations were accepted, cancelled or resent', () => {
    it('leaves them alone', async () => {
      const customer = testUser('customer', { email: 'acc@example.com' });
      const accepted = await t.invite(vendor, { email: customer.email, expiresInDays: 1 });
      await t.call('POST', `/invitations/${accepted.invitationId}/accept`, {
        as: customer,
        body: { token: tokenOf(accepted.acceptUrl) },
      });
      const cancelled = await t.invite(vendor, { email: 'can@example.com', expiresInDays: 1 });
      await t.call('POST', `/invitations/${cancelled.invitationId}/cancel`, { as: vendor });
      const resent = await t.invite(vendor, { email: 'res@example.com', expiresInDays: 1 });
      await t.call('POST', `/invitations/${resent.invitationId}/resend`, {
        as: vendor,
        body: { expiresInDays: 5 },
      });

      expect(
        await createInvitationExpiry(t.infra.eventStore).expireDue(new Date(Date.now() + 2 * DAY)),
      ).toBe(0);
      expect(
        await createInvitationExpiry(t.infra.eventStore).expireDue(new Date(Date.now() + 6 * DAY)),
      ).toBe(1);
      expect(await t.eventTypes(resent.invitationId)).toContain('InvitationExpired');
    });
  });

  describe('when the scheduler runs', () => {
    it('expires due invitations on its own', async () => {
      const a = await t.sentEarlier(vendor, new Date(Date.now() - 2 * DAY));
      const scheduler = startExpiryScheduler({
        expiry: createInvitationExpiry(t.infra.eventStore),
        leases: t.infra.readModels.coordination,
        intervalMs: 20,
      });
      try {
        await waitFor(
          async () => (await t.eventTypes(a.invitationId)).includes('InvitationExpired'),
          {
            message: 'InvitationExpired',
          },
        );
      } finally {
        await scheduler.stop();
      }
    });
  });
});
