import type { Decider, DomainEvent } from '../../../libs/platform/command-handling/decider';

/**
 * Per customer user: which invitations wait for their email verification, and
 * whether this service has seen that verification. Both live in one stream so
 * a deferral and a verification are ordered against each other.
 */
export type DeferredAcceptanceNoted = DomainEvent<
  'DeferredAcceptanceNoted',
  { invitationId: string }
>;
export type CustomerEmailVerified = DomainEvent<'CustomerEmailVerified', { verifiedAt: string }>;
export type CustomerVerificationEvent = DeferredAcceptanceNoted | CustomerEmailVerified;

export interface CustomerVerificationState {
  verifiedAt?: string;
  waitingInvitationIds: string[];
}

export type CustomerVerificationCommand =
  | { type: 'NoteDeferredAcceptance'; invitationId: string }
  | { type: 'RecordEmailVerified'; verifiedAt: string };

export const customerVerificationStream = (userId: string) => `customer_verification-${userId}`;

export function decideCustomerVerification(
  c: CustomerVerificationCommand,
  state: CustomerVerificationState,
): CustomerVerificationEvent[] {
  if (c.type === 'RecordEmailVerified') {
    return state.verifiedAt
      ? []
      : [{ type: 'CustomerEmailVerified', data: { verifiedAt: c.verifiedAt } }];
  }
  // Every deferral recorded gets its note, even for an invitation noted before (one resent past
  // its expiry is deferred afresh): the note puts this stream in the deferral's commit, so a
  // verification recorded meanwhile refuses it, where without one the deferral would wait forever.
  if (state.verifiedAt) return [];
  return [{ type: 'DeferredAcceptanceNoted', data: { invitationId: c.invitationId } }];
}

export const customerVerificationDecider: Decider<
  CustomerVerificationState,
  CustomerVerificationCommand,
  CustomerVerificationEvent
> = {
  initialState: () => ({ waitingInvitationIds: [] }),
  evolve: (state, event) =>
    event.type === 'CustomerEmailVerified'
      ? { ...state, verifiedAt: event.data.verifiedAt }
      : state.waitingInvitationIds.includes(event.data.invitationId)
        ? state
        : {
            ...state,
            waitingInvitationIds: [...state.waitingInvitationIds, event.data.invitationId],
          },
  decide: decideCustomerVerification,
};
