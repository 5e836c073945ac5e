import type { NewEvent } from '../../../libs/event-store';
import type { InvitationRow } from '../../../libs/read-store/read-models.port';
import { invitationView } from '../../invitations/get-invitation/invitation-view';
import { toInvitationEvent } from '../invitation-events';
import { events, invitationStream, recorded } from '../testing/invitation-events';
import { evolveInvitation } from './invitation-list.evolve';

// The list and `GET /invitations/:id` show one contract type (`InvitationView`): for every
// history the vendor's list must say what the invitation service says.
const histories: Record<string, NewEvent[]> = {
  sent: [events.sent('i1')],
  accepted: [events.sent('i1'), events.accepted('i1', 'co-9', 30)],
  'accepted after a deferral': [
    events.sent('i1'),
    events.deferred('i1', 'co-9', 20),
    events.accepted('i1', 'co-9', 30),
  ],
  cancelled: [events.sent('i1'), events.cancelled('i1', 40)],
  expired: [events.sent('i1'), events.expired('i1', 50)],
  'expired, then resent': [events.sent('i1'), events.expired('i1', 50), events.resent('i1', 60)],
  'expired, then cancelled': [
    events.sent('i1'),
    events.expired('i1', 50),
    events.cancelled('i1', 70),
  ],
  'resent, then cancelled': [
    events.sent('i1'),
    events.resent('i1', 60),
    events.cancelled('i1', 70),
  ],
};

describe('invitation list row', () => {
  describe.each(Object.entries(histories))('when the invitation is %s', (_, history) => {
    it('shows what GET /invitations/:id shows', () => {
      const stream = history.map((e, i) => recorded(invitationStream('i1'), e, BigInt(i + 1), i));
      const row = stream.reduce<InvitationRow | undefined>(
        (r, e) => evolveInvitation(r, toInvitationEvent(e)),
        undefined,
      );
      const { position: _position, ...listed } = row!;
      expect(listed).toEqual(invitationView(stream, new Date(events.at(100))));
    });
  });
});
