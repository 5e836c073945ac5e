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
      });
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
    it('keeps it as it is', () => {
      const active = evolveRelationship(undefined, acceptance());
      expect(evolveRelationship(active, acceptance({ invitationId: 'i2', position: 9n }))).toBe(
        active,
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
