import fc from 'fast-check';
import type { RelationshipRow } from '../../../libs/read-store/read-models.port';
import { events, projected } from '../testing/invitation-events';
import { evolveInvitationRef, evolveRelationship, type Acceptance } from './relationship.evolve';

const acceptance = (over: Partial<Acceptance> = {}): Acceptance => ({
  invitationId: 'i1',
  vendorId: 'v1',
  customerCompanyId: 'c1',
  customerNumber: 'C-1',
  acceptedAt: events.at(10),
  position: 5n,
  ...over,
});

describe('vendor–customer relationship', () => {
  describe('when an invitation is accepted for the first time', () => {
    it('creates an active relationship from it', () => {
      expect(evolveRelationship(undefined, acceptance())).toEqual({
        vendorId: 'v1',
        customerCompanyId: 'c1',
        status: 'active',
        createdAt: events.at(10),
        activatedAt: events.at(10),
        invitationId: 'i1',
        customerNumber: 'C-1',
        position: 5n,
        createdPosition: 5n,
        customerNumberPosition: 5n,
      });
    });
  });

  describe('when an earlier acceptance comes after later ones (a parked one replayed)', () => {
    it('takes the creation from it, and its customer number, keeping the later position', () => {
      const later = evolveRelationship(
        undefined,
        acceptance({
          invitationId: 'i2',
          customerNumber: 'C-2',
          acceptedAt: events.at(20),
          position: 9n,
        }),
      );
      expect(evolveRelationship(later, acceptance())).toEqual({
        ...later,
        createdAt: events.at(10),
        activatedAt: events.at(10),
        invitationId: 'i1',
        customerNumber: 'C-1',
        createdPosition: 5n,
        customerNumberPosition: 5n,
        position: 9n,
      });
    });

    it('gives the same relationship, position included, in any order and with any repeats', () => {
      const acceptances = fc
        .uniqueArray(
          fc.record({
            position: fc.bigInt({ min: 1n, max: 50n }),
            customerNumber: fc.option(fc.constantFrom('C-1', 'C-2'), { nil: null }),
          }),
          { minLength: 1, maxLength: 6, selector: (a) => a.position },
        )
        .map((list) =>
          list.map((a) =>
            acceptance({
              ...a,
              invitationId: `i${a.position}`,
              acceptedAt: events.at(Number(a.position)),
            }),
          ),
        );
      // Every acceptance at least once, repeats anywhere among them: redeliveries and replays.
      const orders = acceptances.chain((all) =>
        fc.tuple(
          fc.constant(all),
          fc.array(fc.constantFrom(...all), { maxLength: 4 }).chain((repeats) =>
            fc.shuffledSubarray([...all, ...repeats], {
              minLength: all.length + repeats.length,
            }),
          ),
          fc.array(fc.constantFrom(...all), { maxLength: 4 }),
        ),
      );
      const fold = (order: Acceptance[]) =>
        order.reduce<RelationshipRow | undefined>(evolveRelationship, undefined)!;
      fc.assert(
        fc.property(orders, ([all, interleaved, repeated]) => {
          const inOrder = fold([...all].sort((a, b) => (a.position < b.position ? -1 : 1)));
          const replayed = fold(interleaved);
          expect(replayed).toEqual(inOrder);
          expect(repeated.reduce(evolveRelationship, replayed)).toBe(replayed);
        }),
      );
    });
  });

  describe('when the row was written before it kept its sources', () => {
    it('takes only newer acceptances, as the position guard did', () => {
      const {
        createdPosition: _c,
        customerNumberPosition: _n,
        ...legacy
      } = evolveRelationship(undefined, acceptance({ customerNumber: null, position: 9n }));
      expect(evolveRelationship(legacy, acceptance({ position: 5n }))).toBe(legacy);
      expect(evolveRelationship(legacy, acceptance({ invitationId: 'i3', position: 12n }))).toEqual(
        {
          ...legacy,
          customerNumber: 'C-1',
          customerNumberPosition: 12n,
          position: 12n,
        },
      );
    });
  });

  describe('when the relationship is inactive', () => {
    it('re-activates it by the new invitation and keeps the creation time and customer number', () => {
      const inactive: RelationshipRow = {
        ...evolveRelationship(undefined, acceptance()),
        status: 'inactive',
      };
      const next = evolveRelationship(
        inactive,
        acceptance({
          invitationId: 'i2',
          customerNumber: 'C-2',
          acceptedAt: events.at(99),
          position: 9n,
        }),
      );
      expect(next).toEqual({
        ...inactive,
        status: 'active',
        activatedAt: events.at(99),
        invitationId: 'i2',
        position: 9n,
      });
    });
  });

  describe('when the relationship is active', () => {
    it('keeps it as it is, noting only the later position', () => {
      const active = evolveRelationship(undefined, acceptance());
      const later = evolveRelationship(active, acceptance({ invitationId: 'i2', position: 9n }));
      expect(later).toEqual({ ...active, position: 9n });
      expect(evolveRelationship(later, acceptance({ invitationId: 'i2', position: 9n }))).toBe(
        later,
      );
    });

    it('fills in a customer number it did not have', () => {
      const active = evolveRelationship(undefined, acceptance({ customerNumber: null }));
      expect(evolveRelationship(active, acceptance({ position: 9n }))).toMatchObject({
        customerNumber: 'C-1',
        position: 9n,
      });
    });
  });

  describe('when an invitation is sent', () => {
    it('remembers its vendor and customer number, once', () => {
      const sent = projected(
        'i1',
        events.sent('i1', { vendorId: 'v1', customerNumber: 'C-1' }),
        3n,
      );
      if (sent.type !== 'InvitationSent') throw new Error('expected InvitationSent');
      const ref = evolveInvitationRef(undefined, sent);
      expect(ref).toEqual({
        invitationId: 'i1',
        vendorId: 'v1',
        customerNumber: 'C-1',
        position: 3n,
      });
      expect(evolveInvitationRef(ref, { ...sent, position: 4n })).toBe(ref);
    });
  });
});
