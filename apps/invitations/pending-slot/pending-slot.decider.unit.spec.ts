import { evolve, initialState, type InvitationState } from '../invitation/invitation.state';
import {
  after,
  cancelled,
  EXPIRES_AT,
  expired,
  resent,
  SENT_AT,
  sent,
} from '../invitation/invitation.given';
import type { InvitationEvent } from '../invitation/invitation.events';
import {
  decideClaim,
  pendingSlotDecider,
  pendingSlotStream,
  SlotMovedError,
  type ClaimPendingSlot,
  type SlotClaim,
} from './pending-slot.decider';

const holderClaim: SlotClaim = { invitationId: 'inv-1', claimedAt: SENT_AT.toISOString() };
const holderAfter = (events: InvitationEvent[]): InvitationState =>
  events.reduce(evolve, initialState());
const claimBy = (
  observedHolder: InvitationState,
  claim: SlotClaim | null = holderClaim,
): ClaimPendingSlot => ({
  type: 'ClaimPendingSlot',
  invitationId: 'inv-2',
  observed: { claim, holder: observedHolder },
});
const later = after(SENT_AT, 60_000);
const claimed = (at: Date) => [
  {
    type: 'PendingSlotClaimed',
    data: { invitationId: 'inv-2', claimedAt: at.toISOString() },
  },
];

describe('pending slot', () => {
  describe('when nobody holds it', () => {
    it('records the claim', () => {
      expect(decideClaim(claimBy(null, null), null, SENT_AT)).toEqual(claimed(SENT_AT));
    });
  });

  describe('when a live pending invitation holds it', () => {
    it('refuses with invitation_already_pending naming the holder', () => {
      expect(() => decideClaim(claimBy(holderAfter([sent])), holderClaim, later)).toThrow(
        expect.objectContaining({
          code: 'invitation_already_pending',
          extra: { invitationId: 'inv-1' },
        }),
      );
    });
  });

  describe('when the holder is no longer pending', () => {
    it('takes the slot over after a cancellation', () => {
      expect(decideClaim(claimBy(holderAfter([sent, cancelled])), holderClaim, later)).toEqual(
        claimed(later),
      );
    });

    it('takes the slot over once the holder is past its expiry', () => {
      const now = new Date(EXPIRES_AT);
      expect(decideClaim(claimBy(holderAfter([sent])), holderClaim, now)).toEqual(claimed(now));
    });
  });

  describe('when the holder was resent after it expired', () => {
    it('follows the resent holder, pending again', () => {
      const now = after(EXPIRES_AT, 10);
      const resentHolder = holderAfter([sent, expired, resent()]);
      expect(() => decideClaim(claimBy(resentHolder), holderClaim, now)).toThrow(
        expect.objectContaining({ code: 'invitation_already_pending' }),
      );
    });
  });

  describe('when a claim has no invitation (recorded before claims shared its commit)', () => {
    it('holds nothing, however recent', () => {
      const justNow = after(SENT_AT, 10);
      expect(decideClaim(claimBy(null), holderClaim, justNow)).toEqual(claimed(justNow));
    });

    it('reads an older claim that still carries a token hash', () => {
      const old = { type: 'PendingSlotClaimed' as const, data: { ...holderClaim, tokenHash: 'h' } };
      expect(pendingSlotDecider.evolve(null, old)).toEqual(holderClaim);
    });
  });

  describe('when the holder claims again (a resend)', () => {
    it('records the new claim', () => {
      const own = { ...claimBy(holderAfter([sent])), invitationId: 'inv-1' };
      expect(decideClaim(own, holderClaim, later)[0].data.invitationId).toBe('inv-1');
    });
  });

  describe('when the slot moved since it was observed', () => {
    it('asks the caller to observe again', () => {
      expect(() => decideClaim(claimBy(null, null), holderClaim, later)).toThrow(SlotMovedError);
    });
  });

  describe('when folding a stream of claims', () => {
    it('is its last claim whatever came before, so commands read that claim alone', () => {
      const claims = ['inv-1', 'inv-2', 'inv-1'].map((invitationId, i) => ({
        type: 'PendingSlotClaimed' as const,
        data: { invitationId, claimedAt: after(SENT_AT, i).toISOString() },
      }));
      const last = pendingSlotDecider.evolve(null, claims[2]);
      expect(claims.reduce(pendingSlotDecider.evolve, null)).toEqual(last);
      expect(pendingSlotDecider.evolve(holderClaim, claims[2])).toEqual(last);
      expect(pendingSlotDecider.latestOnly).toBe(true);
    });
  });

  describe('when naming its stream', () => {
    it('is one stream per vendor and email, outside the invitation category', () => {
      expect(pendingSlotStream('v', 'a@x.io')).toMatch(/^invitation_slot-[0-9a-f]{64}$/);
      expect(pendingSlotStream('v', 'a@x.io')).not.toBe(pendingSlotStream('w', 'a@x.io'));
    });

    it('keeps the name stored slots already have, so a deploy cannot open a second slot', () => {
      // sha256 of "vendor-1|ann@example.com": the address is normalised before hashing.
      expect(pendingSlotStream('vendor-1', ' Ann@Example.com')).toBe(
        'invitation_slot-a1b4eb5149b839a3b5c8f937dd2b37fccef4c002efa2150a63d1eb5073de07ce',
      );
      // An international domain as typed in Unicode: the spelling it is kept in.
      expect(pendingSlotStream('vendor-1', 'ann@B\u00dcCHER.example')).toBe(
        'invitation_slot-ac1409305c40d742aa5ebe631e8145b93828dd315311318d169479c472f31a5d',
      );
    });

    it('is one stream for both spellings of an international domain', () => {
      expect(pendingSlotStream('v', 'ann@xn--bcher-kva.example')).toBe(
        pendingSlotStream('v', 'ann@b\u00fccher.example'),
      );
      expect(pendingSlotStream('v', 'ann@bucher.example')).not.toBe(
        pendingSlotStream('v', 'ann@b\u00fccher.example'),
      );
    });
  });
});
