import { customerRelationshipsProjection } from '../customer-relationships/customer-relationships.projection';
import { invitationListProjection } from '../invitation-list/invitation-list.projection';
import type { Projection } from './projection';

/** Every projection the projector runs, by name. */
export const PROJECTIONS: readonly Projection[] = [
  invitationListProjection,
  customerRelationshipsProjection,
];

export const INVITATIONS_READ_MODEL = invitationListProjection.name;
export const RELATIONSHIPS_READ_MODEL = customerRelationshipsProjection.name;
