import type { InvitationEvent } from './invitation.events';
import {
  acceptedBy,
  after,
  cancelled,
  deferredFor,
  EXPIRES_AT,
  expired,
  given,
  ids,
  resent,
  SENT_AT,
  sent,
} from './invitation.given';
import { hashToken } from './invitation-token';
import { evolve, initialState, WAITING_ACCEPTANCE_GRACE_MS } from './invitation.state';
import { decide, MAX_RESENDS } from './decide';

const send = {
  type: 'SendInvitation' as const,
  ...ids,
  invitedBy: 'vendor-user-1',
  email: 'ann@example.com',
  firstName: 'Ann',
  lastName: 'Lee',
  tokenHash: hashToken('first-token'),
  expiresInDays: 7,
};
const resend = {
  type: 'ResendInvitation' as const,
  vendorId: ids.vendorId,
  tokenHash: hashToken('next'),
  expiresInDays: 3,
};
const cancel = {
  type: 'CancelInvitation' as const,
  vendorId: ids.vendorId,
  cancelledBy: 'vendor-user-1',
};
const expire = { type: 'ExpireInvitation' as const };

describe('send', () => {
  describe('when nothing was sent yet', () => {
    it('records InvitationSent with the expiry computed from now', () => {
      given([]).when(send, SENT_AT).then([sent]);
    });

    it('keeps the optional business name and customer number', () => {
      const full = { ...send, businessName: 'Lee Ltd', customerNumber: 'C-7' };
      given([])
        .when(full, SENT_AT)
        .then([
          { ...sent, data: { ...sent.data, businessName: 'Lee Ltd', customerNumber: 'C-7' } },
        ]);
    });

    it('takes an expiry of 30 days, the most the contract allows', () => {
      given([])
        .when({ ...send, expiresInDays: 30 }, SENT_AT)
        .then([
          {
            ...sent,
            data: { ...sent.data, expiresAt: after(SENT_AT, 30 * 86_400_000).toISOString() },
          },
        ]);
    });

    it('refuses an expiry outside 1 to 30 days', () => {
      given([])
        .when({ ...send, expiresInDays: 31 })
        .thenRefuses('invalid', 'validation_failed');
      given([])
        .when({ ...send, expiresInDays: 0 })
        .thenRefuses('invalid', 'validation_failed');
    });
  });

  describe('when the invitation id is taken', () => {
    it('refuses', () => {
      given([sent]).when(send).thenRefuses('conflict', 'invitation_exists');
    });
  });
});

describe('resend', () => {
  const now = after(SENT_AT, 1000);
  const resentEvent: InvitationEvent = {
    type: 'InvitationResent',
    data: {
      ...ids,
      tokenHash: hashToken('next'),
      expiresAt: after(now, 3 * 86_400_000).toISOString(),
    },
  };

  describe('when the invitation is pending', () => {
    it('records a new token hash and expiry', () => {
      given([sent]).when(resend, now).then([resentEvent]);
    });

    it('takes an expiry of 30 days and refuses 31', () => {
      const in30 = after(now, 30 * 86_400_000).toISOString();
      given([sent])
        .when({ ...resend, expiresInDays: 30 }, now)
        .then([{ ...resentEvent, data: { ...resentEvent.data, expiresAt: in30 } }]);
      given([sent])
        .when({ ...resend, expiresInDays: 31 }, now)
        .thenRefuses('invalid', 'validation_failed');
    });
  });

  describe('when the invitation expired', () => {
    it('records a new token hash and expiry', () => {
      given([sent, expired]).when(resend, now).then([resentEvent]);
    });
  });

  describe('when the invitation is in the grace a waiting acceptance gives it', () => {
    it('is still pending: records only the new token and expiry, keeping the acceptance', () => {
      const inGrace = after(EXPIRES_AT, WAITING_ACCEPTANCE_GRACE_MS - 1);
      given([sent, deferredFor()])
        .when(resend, inGrace)
        .then([
          {
            type: 'InvitationResent',
            data: {
              ...ids,
              tokenHash: hashToken('next'),
              expiresAt: after(inGrace, 3 * 86_400_000).toISOString(),
            },
          },
        ]);
    });
  });

  describe('when the invitation is past its expiry and no expiry is recorded yet', () => {
    it('records the expiry first, then the new token hash and expiry', () => {
      const later = new Date(EXPIRES_AT);
      given([sent])
        .when(resend, later)
        .then([
          expired,
          {
            type: 'InvitationResent',
            data: {
              ...ids,
              tokenHash: hashToken('next'),
              expiresAt: after(later, 3 * 86_400_000).toISOString(),
            },
          },
        ]);
    });
  });

  describe('when it was resent the most times allowed', () => {
    const resentTimes = (n: number) => [sent, ...Array.from({ length: n }, () => resent())];

    it('refuses the next resend with invitation_not_resendable, and records nothing', () => {
      given(resentTimes(MAX_RESENDS))
        .when(resend, now)
        .thenRefuses('conflict', 'invitation_not_resendable');
    });

    it('says why, and that a new invitation can be sent instead', () => {
      const state = resentTimes(MAX_RESENDS).reduce(evolve, initialState());
      expect(() => decide(resend, state, now)).toThrow(
        `This invitation was resent ${MAX_RESENDS} times already, the most allowed. ` +
          'Cancel it and send a new invitation instead.',
      );
    });

    it('still allows the last one, expired or not', () => {
      given(resentTimes(MAX_RESENDS - 1))
        .when(resend, now)
        .then([resentEvent]);
      given([...resentTimes(MAX_RESENDS - 1), expired])
        .when(resend, now)
        .then([resentEvent]);
    });

    it('refuses past its expiry too, recording no expiry', () => {
      given(resentTimes(MAX_RESENDS))
        .when(resend, after(EXPIRES_AT, 86_400_000 * 60))
        .thenRefuses('conflict', 'invitation_not_resendable');
    });
  });

  describe('when a stream recorded before the cap holds more resends', () => {
    it('refuses the next resend the same way', () => {
      given([sent, ...Array.from({ length: MAX_RESENDS + 5 }, () => resent())])
        .when(resend, now)
        .thenRefuses('conflict', 'invitation_not_resendable');
    });
  });

  describe('when it is accepted or cancelled', () => {
    it('refuses with invitation_not_resendable', () => {
      given([sent, acceptedBy()]).when(resend).thenRefuses('conflict', 'invitation_not_resendable');
      given([sent, cancelled]).when(resend).thenRefuses('conflict', 'invitation_not_resendable');
    });
  });

  describe('when it belongs to another vendor or does not exist', () => {
    it('is not found', () => {
      given([sent])
        .when({ ...resend, vendorId: 'other' })
        .thenRefuses('not_found', 'invitation_not_found');
      given([]).when(resend).thenRefuses('not_found', 'invitation_not_found');
    });
  });
});

describe('cancel', () => {
  describe('when the invitation is pending or expired', () => {
    it('records InvitationCancelled', () => {
      given([sent]).when(cancel).then([cancelled]);
      given([sent, expired]).when(cancel).then([cancelled]);
    });

    it('records the expiry first when it is past its expiry and none is recorded yet', () => {
      given([sent]).when(cancel, new Date(EXPIRES_AT)).then([expired, cancelled]);
    });

    it('keeps the reason when one is given', () => {
      given([sent])
        .when({ ...cancel, reason: 'duplicate' })
        .then([{ ...cancelled, data: { ...cancelled.data, reason: 'duplicate' } } as never]);
    });
  });

  describe('when it is already cancelled', () => {
    it('records nothing', () => {
      given([sent, cancelled]).when(cancel).then([]);
    });
  });

  describe('when it is accepted', () => {
    it('refuses with invitation_already_accepted', () => {
      given([sent, acceptedBy()])
        .when(cancel)
        .thenRefuses('conflict', 'invitation_already_accepted');
    });
  });

  describe('when it belongs to another vendor', () => {
    it('is not found', () => {
      given([sent])
        .when({ ...cancel, vendorId: 'other' })
        .thenRefuses('not_found', 'invitation_not_found');
    });
  });
});

describe('expire', () => {
  describe('when a pending invitation is due', () => {
    it('records InvitationExpired at its expiry time', () => {
      given([sent]).when(expire, new Date(EXPIRES_AT)).then([expired]);
    });
  });

  describe('when it is not due yet', () => {
    it('records nothing', () => {
      given([sent]).when(expire, after(EXPIRES_AT, -1)).then([]);
    });

    it('uses the expiry of the latest resend', () => {
      given([sent, resent()]).when(expire, after(EXPIRES_AT)).then([]);
    });
  });

  describe('when an acceptance waits for email verification', () => {
    it('records nothing within the grace after the expiry, and the expiry at its time after it', () => {
      const waiting = [sent, deferredFor()];
      given(waiting)
        .when(expire, after(EXPIRES_AT, WAITING_ACCEPTANCE_GRACE_MS - 1))
        .then([]);
      given(waiting).when(expire, after(EXPIRES_AT, WAITING_ACCEPTANCE_GRACE_MS)).then([expired]);
    });
  });

  describe('when it is already expired, accepted, cancelled or unknown', () => {
    it('records nothing', () => {
      const late = after(EXPIRES_AT, 86_400_000 * 30);
      given([sent, expired]).when(expire, late).then([]);
      given([sent, acceptedBy()]).when(expire, late).then([]);
      given([sent, cancelled]).when(expire, late).then([]);
      given([]).when(expire, late).then([]);
    });
  });
});
