import {
  customerVerificationDecider as decider,
  type CustomerVerificationCommand,
  type CustomerVerificationEvent,
} from './customer-verification.decider';

const noted = (invitationId: string): CustomerVerificationEvent => ({
  type: 'DeferredAcceptanceNoted',
  data: { invitationId },
});
const verified: CustomerVerificationEvent = {
  type: 'CustomerEmailVerified',
  data: { verifiedAt: '2026-11-26T10:00:00.000Z' },
};
const note: CustomerVerificationCommand = { type: 'NoteDeferredAcceptance', invitationId: 'inv-1' };
const verify: CustomerVerificationCommand = {
  type: 'RecordEmailVerified',
  verifiedAt: '2026-11-26T10:00:00.000Z',
};

const given = (history: CustomerVerificationEvent[]) => ({
  when: (c: CustomerVerificationCommand) => ({
    then: (expected: CustomerVerificationEvent[]) =>
      expect(
        decider.decide(c, history.reduce(decider.evolve, decider.initialState()), new Date()),
      ).toEqual(expected),
  }),
});

describe('customer verification', () => {
  describe('when the customer is not verified', () => {
    it('notes every deferral it is told of, an invitation deferred afresh too', () => {
      given([])
        .when(note)
        .then([noted('inv-1')]);
      given([noted('inv-1')])
        .when(note)
        .then([noted('inv-1')]);
      given([noted('inv-2')])
        .when(note)
        .then([noted('inv-1')]);
    });

    it('lists each waiting invitation once', () => {
      const history = [noted('inv-1'), noted('inv-2'), noted('inv-1')];
      expect(history.reduce(decider.evolve, decider.initialState()).waitingInvitationIds).toEqual([
        'inv-1',
        'inv-2',
      ]);
    });

    it('records the verification', () => {
      given([noted('inv-1')])
        .when(verify)
        .then([verified]);
    });
  });

  describe('when the customer is verified', () => {
    it('records nothing more', () => {
      given([verified]).when(verify).then([]);
      given([verified]).when(note).then([]);
    });

    it('keeps the waiting invitations', () => {
      const state = [noted('inv-1'), verified].reduce(decider.evolve, decider.initialState());
      expect(state).toEqual({
        verifiedAt: '2026-11-26T10:00:00.000Z',
        waitingInvitationIds: ['inv-1'],
      });
    });
  });
});
