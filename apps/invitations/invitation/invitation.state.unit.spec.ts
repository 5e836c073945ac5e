import {
  acceptedBy,
  after,
  cancelled,
  deferredFor,
  EXPIRES_AT,
  expired,
  NEW_TOKEN,
  resent,
  sent,
  SENT_AT,
  TOKEN,
} from './invitation.given';
import type { InvitationEvent } from './invitation.events';
import {
  effectiveStatus,
  emailStillWanted,
  evolve,
  initialState,
  isExpired,
  isLivePending,
  someSuperseded,
  WAITING_ACCEPTANCE_GRACE_MS,
} from './invitation.state';
import { hashToken } from './invitation-token';

const fold = (events: InvitationEvent[]) => events.reduce(evolve, initialState())!;

describe('invitation state', () => {
  describe('when its email is about to go out', () => {
    const wanted = (events: InvitationEvent[], token = TOKEN, at = SENT_AT) =>
      emailStillWanted(events.length ? fold(events) : null, hashToken(token), at);

    it('wants the email with the latest link of a pending invitation', () => {
      expect(wanted([sent])).toBe(true);
      expect(wanted([sent, resent()], NEW_TOKEN)).toBe(true);
    });

    it('does not want one with a superseded link, nor for an unknown invitation', () => {
      expect(wanted([sent, resent()], TOKEN)).toBe(false);
      expect(wanted([])).toBe(false);
    });

    it('does not want one for an invitation cancelled, accepted or expired, by record or by time', () => {
      expect(wanted([sent, cancelled])).toBe(false);
      expect(wanted([sent, acceptedBy()])).toBe(false);
      expect(wanted([sent, expired])).toBe(false);
      expect(wanted([sent], TOKEN, new Date(EXPIRES_AT))).toBe(false);
      expect(wanted([sent, deferredFor()], TOKEN, new Date(EXPIRES_AT))).toBe(false);
    });
  });

  describe('when an invitation is resent', () => {
    it('keeps the old token hash as superseded and is pending again', () => {
      const state = fold([sent, expired, resent()]);
      expect(state.status).toBe('pending');
      expect(state.superseded).toEqual({ hash: hashToken(TOKEN) });
      expect(state.expiredAt).toBeUndefined();
    });

    it('adds the replaced token without copying those before it', () => {
      const once = fold([sent, resent()]);
      const third = resent();
      if (third.type === 'InvitationResent') third.data.tokenHash = hashToken('third');
      const twice = evolve(once, third)!;
      expect(twice.superseded?.before).toBe(once.superseded);
      expect(someSuperseded(twice, (h) => h === hashToken(TOKEN))).toBe(true);
      expect(someSuperseded(twice, (h) => h === once.tokenHash)).toBe(true);
      expect(someSuperseded(twice, (h) => h === hashToken('third'))).toBe(false);
    });

    it('counts its resends, whatever came between them', () => {
      expect(fold([sent]).resends).toBe(0);
      expect(fold([sent, resent(), expired, resent(), resent()]).resends).toBe(3);
    });

    it('keeps customers whose acceptance waits', () => {
      expect(fold([sent, deferredFor(), resent()]).deferred).toHaveLength(1);
    });
  });

  describe('when a pending invitation is past its expiry', () => {
    it('reads as expired and is no longer live', () => {
      const state = fold([sent]);
      expect(effectiveStatus(state, new Date(EXPIRES_AT))).toBe('expired');
      expect(isLivePending(state, new Date(EXPIRES_AT))).toBe(false);
      expect(isLivePending(state, after(EXPIRES_AT, -1))).toBe(true);
    });
  });

  describe('when it is past its expiry with an acceptance waiting for verification', () => {
    it('refuses links but reads pending and holds its slot until the grace is over', () => {
      const state = fold([sent, deferredFor()]);
      const inGrace = after(EXPIRES_AT, WAITING_ACCEPTANCE_GRACE_MS - 1);
      const afterGrace = after(EXPIRES_AT, WAITING_ACCEPTANCE_GRACE_MS);
      expect(isExpired(state, new Date(EXPIRES_AT))).toBe(true);
      expect(effectiveStatus(state, inGrace)).toBe('pending');
      expect(isLivePending(state, inGrace)).toBe(true);
      expect(effectiveStatus(state, afterGrace)).toBe('expired');
      expect(isLivePending(state, afterGrace)).toBe(false);
    });
  });

  describe('when it is accepted', () => {
    it('stays accepted after its expiry time', () => {
      expect(effectiveStatus(fold([sent, acceptedBy()]), after(EXPIRES_AT, 1e9))).toBe('accepted');
    });

    it('is not expired after its expiry time', () => {
      expect(isExpired(fold([sent, acceptedBy()]), after(EXPIRES_AT, 1e9))).toBe(false);
    });
  });
});
