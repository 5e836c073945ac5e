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

export function projectionNamed(name: string, projections = PROJECTIONS): Projection {
  const found = projections.find((p) => p.name === name);
  if (!found) {
    throw new Error(
      `unknown projection ${name} (known: ${projections.map((p) => p.name).join(', ')})`,
    );
  }
  return found;
}
