import { ProjectionError } from '../invitation-events';
import type { Projection } from '../projector/projection';
import { update, whenKnown } from '../projector/unit-of-work';
import { evolveInvitationRef, evolveRelationship } from './relationship.evolve';

/**
 * The `vendor_customer_relationships` read model. An acceptance does not name
 * its vendor, so the projection keeps a small reference per invitation
 * (vendor, customer number) from `InvitationSent`.
 */
export const customerRelationshipsProjection: Projection = {
  name: 'customer-relationships',
  eventTypes: ['InvitationSent', 'InvitationAccepted'],
  prefetch: (ids, rows) => rows.invitationRefs.prefetch(ids),
  apply(event, rows) {
    if (event.type === 'InvitationSent') {
      return update(rows.invitationRefs, event.invitationId, event.position, (ref) =>
        evolveInvitationRef(ref, event),
      );
    }
    if (event.type !== 'InvitationAccepted') return;
    return whenKnown(rows.invitationRefs.get(event.invitationId), (ref) => {
      if (!ref)
        throw new ProjectionError(
          `InvitationAccepted for unknown invitation ${event.invitationId}`,
        );
      const key = { vendorId: ref.vendorId, customerCompanyId: event.customerCompanyId };
      // Not guarded by the row's position: evolveRelationship takes an older acceptance never
      // applied (a parked one replayed) where a rebuild would, and ignores one applied already.
      return whenKnown(rows.relationships.get(key), (row) => {
        const next = evolveRelationship(row, {
          vendorId: key.vendorId,
          customerCompanyId: key.customerCompanyId,
          invitationId: event.invitationId,
          customerNumber: ref.customerNumber,
          acceptedAt: event.acceptedAt,
          position: event.position,
        });
        if (next !== row) rows.relationships.put(next);
      });
    });
  },
  forget: (id, rows) => rows.invitationRefs.forget(id),
};
