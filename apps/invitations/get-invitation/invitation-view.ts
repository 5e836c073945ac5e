import type { InvitationView } from '../../../libs/contracts/invitation-view';
import type { RecordedEvent } from '../../../libs/event-store';
import type { InvitationEvent } from '../invitation/invitation.events';
import {
  effectiveStatus,
  evolve,
  initialState,
  type Invitation,
} from '../invitation/invitation.state';

export type { InvitationView };

/**
 * The invitation as its stream says now. A pending invitation past its
 * expiry reads as expired even before the expiry is recorded, as accepting
 * it would say. Sent and cancelled times are when those events were recorded.
 */
export function invitationView(history: RecordedEvent[], now: Date): InvitationView | null {
  const state = history.reduce(
    (s, e) => evolve(s, { type: e.type, data: e.data } as InvitationEvent),
    initialState(),
  );
  if (!state) return null;
  const recordedAt = (type: string) =>
    history.findLast((e) => e.type === type)?.metadata.occurredAt ?? null;
  const status = effectiveStatus(state, now);
  return {
    invitationId: state.invitationId,
    vendorId: state.vendorId,
    email: state.email,
    firstName: state.firstName,
    lastName: state.lastName,
    businessName: state.businessName ?? null,
    customerNumber: state.customerNumber ?? null,
    status,
    sentAt: recordedAt('InvitationSent')!,
    expiresAt: state.expiresAt,
    acceptedAt: state.accepted?.acceptedAt ?? null,
    cancelledAt: status === 'cancelled' ? recordedAt('InvitationCancelled') : null,
    expiredAt: status === 'expired' ? expiredAt(state) : null,
    customerCompanyId: state.accepted?.customerCompanyId ?? null,
  };
}

const expiredAt = (state: Invitation) => state.expiredAt ?? state.expiresAt;
