import { INVITATION_EVENT_TYPES } from '../invitation-events';
import type { Projection } from '../projector/projection';
import { update } from '../projector/unit-of-work';
import { evolveInvitation } from './invitation-list.evolve';

/** The `invitations` read model: one row per invitation, every status and timestamp. */
export const invitationListProjection: Projection = {
  name: 'invitations',
  eventTypes: INVITATION_EVENT_TYPES,
  prefetch: (ids, rows) => rows.invitations.prefetch(ids),
  apply: (event, rows) =>
    update(rows.invitations, event.invitationId, event.position, (row) =>
      evolveInvitation(row, event),
    ),
  forget: (id, rows) => rows.invitations.forget(id),
};
