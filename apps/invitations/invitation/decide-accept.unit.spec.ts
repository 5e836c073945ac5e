import type { AcceptInvitation } from './invitation.commands';
import {
  acceptedBy,
  after,
  ann,
  cancelled,
  deferredFor,
  EXPIRES_AT,
  expired,
  given,
  NEW_TOKEN,
  resent,
  SENT_AT,
  sent,
  TOKEN,
} from './invitation.given';
import { hashToken } from './invitation-token';
import { WAITING_ACCEPTANCE_GRACE_MS } from './invitation.state';

const accept = (
  token = TOKEN,
  customer: Partial<AcceptInvitation['customer']> = {},
): AcceptInvitation => ({
  type: 'AcceptInvitation',
  tokenHash: hashToken(token),
  customer: { ...ann, emailVerified: true, ...customer },
});
const completeAt = (verifiedAt: Date) => ({
  type: 'CompleteDeferredAcceptance' as const,
  customerUserId: ann.userId,
  verifiedAt: verifiedAt.toISOString(),
});
const now = after(SENT_AT, 60_000);
const complete = completeAt(now);

describe('accept', () => {
  describe('when the invitation is pending and the customer verified', () => {
    it('records InvitationAccepted', () => {
      given([sent])
        .when(accept(), now)
        .then([acceptedBy(ann, now)]);
    });

    it('compares the email without regard to case', () => {
      given([sent])
        .when(accept(TOKEN, { email: 'Ann@Example.com' }), now)
        .then([acceptedBy(ann, now)]);
    });

    it('compares the email in one Unicode form, as an older record may hold another', () => {
      const decomposed = { ...sent, data: { ...sent.data, email: 'jose\u0301@example.com' } };
      given([decomposed])
        .when(accept(TOKEN, { email: 'jos\u00e9@example.com' }), now)
        .then([acceptedBy(ann, now)]);
    });

    it('takes an international domain in either spelling as the same mailbox', () => {
      const unicode = { ...sent, data: { ...sent.data, email: 'ann@b\u00fccher.example' } };
      given([unicode])
        .when(accept(TOKEN, { email: 'ann@xn--bcher-kva.example' }), now)
        .then([acceptedBy(ann, now)]);
      const ascii = { ...sent, data: { ...sent.data, email: 'ann@XN--BCHER-KVA.example' } };
      given([ascii])
        .when(accept(TOKEN, { email: 'ann@B\u00dcCHER.example' }), now)
        .then([acceptedBy(ann, now)]);
      given([unicode])
        .when(accept(TOKEN, { email: 'ann@bucher.example' }), now)
        .thenRefuses('forbidden', 'email_mismatch');
    });
  });

  describe('when the customer email is not verified', () => {
    it('records InvitationAcceptanceDeferred', () => {
      given([sent])
        .when(accept(TOKEN, { emailVerified: false }), now)
        .then([deferredFor(ann)]);
    });

    it('records nothing when the same customer was already deferred', () => {
      given([sent, deferredFor(ann)])
        .when(accept(TOKEN, { emailVerified: false }), now)
        .then([]);
    });

    it('accepts at once when the customer is verified by now', () => {
      given([sent, deferredFor(ann)])
        .when(accept(), now)
        .then([acceptedBy(ann, now)]);
    });
  });

  describe('when the token is wrong or the invitation unknown', () => {
    it('refuses with invitation_invalid', () => {
      given([sent]).when(accept('guess'), now).thenRefuses('not_found', 'invitation_invalid');
      given([]).when(accept(), now).thenRefuses('not_found', 'invitation_invalid');
    });
  });

  describe('when the invitation was resent', () => {
    it('refuses the old token with invitation_link_superseded', () => {
      given([sent, resent()])
        .when(accept(TOKEN), now)
        .thenRefuses('gone', 'invitation_link_superseded');
    });

    it('accepts the new token', () => {
      given([sent, resent()])
        .when(accept(NEW_TOKEN), now)
        .then([acceptedBy(ann, now)]);
    });

    it('takes the old token as the same acceptance again once its company accepted', () => {
      given([sent, resent(), acceptedBy()]).when(accept(TOKEN), now).then([]);
      given([sent, resent(), acceptedBy()])
        .when(accept(TOKEN, { companyId: 'other-company' }), now)
        .thenRefuses('gone', 'invitation_link_superseded');
    });

    it('reports a superseded link before the cancellation', () => {
      given([sent, resent(), cancelled])
        .when(accept(TOKEN), now)
        .thenRefuses('gone', 'invitation_link_superseded');
    });
  });

  describe('when the invitation was cancelled', () => {
    it('refuses with invitation_cancelled', () => {
      given([sent, cancelled]).when(accept(), now).thenRefuses('gone', 'invitation_cancelled');
    });
  });

  describe('when the invitation expired', () => {
    it('refuses with invitation_expired once recorded', () => {
      given([sent, expired]).when(accept(), now).thenRefuses('gone', 'invitation_expired');
    });

    it('refuses with invitation_expired by time before any expiry is recorded', () => {
      given([sent]).when(accept(), new Date(EXPIRES_AT)).thenRefuses('gone', 'invitation_expired');
    });

    it('checks expiry before the email', () => {
      given([sent])
        .when(accept(TOKEN, { email: 'bob@example.com' }), new Date(EXPIRES_AT))
        .thenRefuses('gone', 'invitation_expired');
    });
  });

  describe('when it is past its expiry, in the grace its waiting acceptance gives it', () => {
    const inGrace = after(EXPIRES_AT, 60_000);

    it('records nothing for the customer whose acceptance waits on a verification not handled yet', () => {
      given([sent, deferredFor(ann)])
        .when(accept(), inGrace)
        .then([]);
    });

    it('refuses with invitation_expired one not verified yet: no verification now accepts it', () => {
      given([sent, deferredFor(ann)])
        .when(accept(TOKEN, { emailVerified: false }), inGrace)
        .thenRefuses('gone', 'invitation_expired');
    });

    it('refuses with invitation_expired once its verification was handled, which accepted nothing', () => {
      given([sent, deferredFor(ann)])
        .when(accept(TOKEN, { verificationSeen: true }), inGrace)
        .thenRefuses('gone', 'invitation_expired');
    });

    it('refuses anyone else with invitation_expired', () => {
      given([sent, deferredFor(ann)])
        .when(accept(TOKEN, { userId: 'someone-else' }), inGrace)
        .thenRefuses('gone', 'invitation_expired');
    });

    it('refuses the waiting customer too once the grace is over or the expiry recorded', () => {
      given([sent, deferredFor(ann)])
        .when(accept(), after(EXPIRES_AT, WAITING_ACCEPTANCE_GRACE_MS))
        .thenRefuses('gone', 'invitation_expired');
      given([sent, deferredFor(ann), expired])
        .when(accept(), inGrace)
        .thenRefuses('gone', 'invitation_expired');
    });
  });

  describe('when the customer email differs from the invited one', () => {
    it('refuses with email_mismatch', () => {
      given([sent])
        .when(accept(TOKEN, { email: 'bob@example.com' }), now)
        .thenRefuses('forbidden', 'email_mismatch');
    });
  });

  describe('when the invitation is accepted', () => {
    it('records nothing for the same company again', () => {
      given([sent, acceptedBy()]).when(accept(), now).then([]);
      given([sent, acceptedBy()])
        .when(accept(TOKEN, { userId: 'colleague' }), now)
        .then([]);
    });

    it('refuses another company with invitation_already_accepted', () => {
      given([sent, acceptedBy()])
        .when(accept(TOKEN, { companyId: 'other-company' }), now)
        .thenRefuses('conflict', 'invitation_already_accepted');
    });

    it('says so before the email, which in another company is always another', () => {
      given([sent, acceptedBy()])
        .when(accept(TOKEN, { companyId: 'other-company', email: 'bob@example.com' }), now)
        .thenRefuses('conflict', 'invitation_already_accepted');
    });

    it('does not expire it later', () => {
      given([sent, acceptedBy()]).when(accept(), after(EXPIRES_AT, 86_400_000)).then([]);
    });

    it('still refuses another company with invitation_already_accepted after the expiry date', () => {
      given([sent, acceptedBy()])
        .when(accept(TOKEN, { companyId: 'other-company' }), after(EXPIRES_AT, 86_400_000))
        .thenRefuses('conflict', 'invitation_already_accepted');
    });
  });
});

describe('complete deferred acceptance', () => {
  describe('when the customer acceptance waits and the invitation is open', () => {
    it('records InvitationAccepted for the deferred customer', () => {
      given([sent, deferredFor(ann)])
        .when(complete, now)
        .then([acceptedBy(ann, now)]);
    });
  });

  describe('when nothing waits for this customer', () => {
    it('records nothing', () => {
      given([sent]).when(complete, now).then([]);
      given([sent, deferredFor({ ...ann, userId: 'someone-else' })])
        .when(complete, now)
        .then([]);
      given([]).when(complete, now).then([]);
    });
  });

  describe('when the invitation was accepted, cancelled or expired meanwhile', () => {
    it('records nothing', () => {
      given([sent, deferredFor(ann), acceptedBy(ann)])
        .when(complete, now)
        .then([]);
      given([sent, deferredFor(ann), cancelled])
        .when(complete, now)
        .then([]);
      given([sent, deferredFor(ann), expired])
        .when(complete, now)
        .then([]);
      given([sent, deferredFor(ann)])
        .when(completeAt(new Date(EXPIRES_AT)), new Date(EXPIRES_AT))
        .then([]);
    });
  });

  describe('when the email was verified before the expiry and the message is handled after it', () => {
    const verifiedInTime = completeAt(after(EXPIRES_AT, -1_000));
    const inGrace = after(EXPIRES_AT, WAITING_ACCEPTANCE_GRACE_MS - 1);

    it('records InvitationAccepted within the grace, while no expiry is recorded', () => {
      given([sent, deferredFor(ann)])
        .when(verifiedInTime, inGrace)
        .then([acceptedBy(ann, inGrace)]);
    });

    it('records nothing once the grace is over, recorded or not', () => {
      given([sent, deferredFor(ann)])
        .when(verifiedInTime, after(EXPIRES_AT, WAITING_ACCEPTANCE_GRACE_MS))
        .then([]);
      given([sent, deferredFor(ann), expired])
        .when(verifiedInTime, inGrace)
        .then([]);
    });
  });

  describe('when the verification was announced at a leap second before the expiry', () => {
    it('reads it as a time, not as unreadable, and completes the acceptance', () => {
      const leap = { ...completeAt(now), verifiedAt: '2026-11-20T09:59:60Z' };
      const inGrace = after(EXPIRES_AT, 1_000);
      given([sent, deferredFor(ann)])
        .when(leap, inGrace)
        .then([acceptedBy(ann, inGrace)]);
    });
  });

  describe('when the announced verification time is later than now', () => {
    it('judges by now: a publisher clock ahead of ours does not expire the invitation', () => {
      given([sent, deferredFor(ann)])
        .when(completeAt(after(EXPIRES_AT, 3_600_000)), now)
        .then([acceptedBy(ann, now)]);
    });
  });

  describe('when the invitation was resent after the deferral', () => {
    it('still completes the customer acceptance', () => {
      given([sent, deferredFor(ann), resent()])
        .when(complete, now)
        .then([acceptedBy(ann, now)]);
    });
  });

  describe('when the invitation expired or was cancelled after the deferral, then was resent', () => {
    it('records nothing: the acceptance ended with the invitation', () => {
      given([sent, deferredFor(ann), expired, resent()])
        .when(complete, now)
        .then([]);
      given([sent, deferredFor(ann), cancelled])
        .when(complete, now)
        .then([]);
    });
  });
});
