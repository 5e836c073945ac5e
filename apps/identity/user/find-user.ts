import type { EventStore } from '../../../libs/event-store';
import { loadState } from '../../../libs/platform/command-handling/command-handler';
import { userDecider, userStream, type RegisteredUser } from './user.decider';
import { emailReservation, emailStream } from './user-lookup.decider';

/** The registered user holding `email` (lower-cased), through its reservation. */
export async function findUserByEmail(
  store: EventStore,
  email: string,
): Promise<RegisteredUser | undefined> {
  const { state: reservation } = await loadState(store, emailReservation, emailStream(email));
  if (!reservation.userId) return undefined;
  const { state } = await loadState(store, userDecider, userStream(reservation.userId));
  return state.registered ? state : undefined;
}
