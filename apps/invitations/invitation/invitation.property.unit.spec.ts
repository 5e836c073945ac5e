import fc from 'fast-check';
import { AppError } from '../../../libs/platform/errors/app-error';
import { decide } from './decide';
import type { InvitationCommand } from './invitation.commands';
import type { InvitationEvent } from './invitation.events';
import { SENT_AT, sent, TOKEN } from './invitation.given';
import { evolve, initialState, type InvitationState } from './invitation.state';
import { hashToken } from './invitation-token';
import { PendingExpiries } from '../expire-invitations/pending-expiries';

const customers = [
  { userId: 'u1', companyId: 'c1', email: 'ann@example.com' },
  { userId: 'u2', companyId: 'c2', email: 'ann@example.com' },
  { userId: 'u3', companyId: 'c3', email: 'bob@example.com' },
];
const tokens = [TOKEN, 'resend-1', 'resend-2', 'guess'];

const command: fc.Arbitrary<InvitationCommand> = fc.oneof(
  fc.record({
    type: fc.constant('ResendInvitation' as const),
    vendorId: fc.constantFrom('vendor-1', 'vendor-2'),
    tokenHash: fc.constantFrom(...tokens.slice(1, 3)).map(hashToken),
    expiresInDays: fc.integer({ min: 1, max: 30 }),
  }),
  fc.record({
    type: fc.constant('CancelInvitation' as const),
    vendorId: fc.constant('vendor-1'),
    cancelledBy: fc.constant('vendor-user'),
  }),
  fc.record({
    type: fc.constant('AcceptInvitation' as const),
    tokenHash: fc.constantFrom(...tokens).map(hashToken),
    customer: fc
      .tuple(fc.constantFrom(...customers), fc.boolean())
      .map(([c, emailVerified]) => ({ ...c, emailVerified })),
  }),
  fc.record({
    type: fc.constant('CompleteDeferredAcceptance' as const),
    customerUserId: fc.constantFrom('u1', 'u2', 'u3'),
    verifiedAt: fc
      .integer({ min: 0, max: 3_000 })
      .map((hours) => new Date(SENT_AT.getTime() + hours * 3_600_000).toISOString()),
  }),
  fc.constant({ type: 'ExpireInvitation' as const }),
);

/** Runs commands in order, `hours` apart, keeping what each one recorded. */
function run(steps: Array<[InvitationCommand, number]>) {
  let state: InvitationState = evolve(initialState(), sent);
  let now = SENT_AT.getTime();
  const history: InvitationEvent[] = [sent];
  for (const [c, hours] of steps) {
    now += hours * 3_600_000;
    try {
      const events = decide(c, state, new Date(now));
      events.forEach((e) => (state = evolve(state, e)));
      history.push(...events);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
    }
  }
  return history;
}

describe('invitation decider, for any sequence of commands', () => {
  const steps = fc.array(fc.tuple(command, fc.integer({ min: 0, max: 100 })), { maxLength: 30 });

  describe('when commands arrive in any order at any time', () => {
    it('accepts at most once, and records nothing after an acceptance or a cancellation', () => {
      fc.assert(
        fc.property(steps, (s) => {
          const types = run(s).map((e) => e.type);
          expect(types.filter((t) => t === 'InvitationAccepted').length).toBeLessThanOrEqual(1);
          const end = types.findIndex(
            (t) => t === 'InvitationAccepted' || t === 'InvitationCancelled',
          );
          if (end >= 0) expect(types.slice(end + 1)).toEqual([]);
        }),
      );
    });

    it('only lets the invited email accept', () => {
      fc.assert(
        fc.property(steps, (s) => {
          for (const e of run(s)) {
            if (e.type === 'InvitationAccepted' || e.type === 'InvitationAcceptanceDeferred') {
              expect(e.data.customerUserId).not.toBe('u3');
            }
          }
        }),
      );
    });
  });

  describe('when the expiry index folds the same history', () => {
    it('finds an invitation due exactly when the decider would record its expiry', () => {
      const hours = fc.integer({ min: 0, max: 3_000 * 60 }).map((m) => m * 60_000);
      fc.assert(
        fc.property(steps, hours, (s, offset) => {
          const history = run(s);
          const index = new PendingExpiries();
          index.apply(
            history.map((e, i) => ({
              ...e,
              streamName: `invitation-${sent.data.invitationId}`,
              revision: i,
              position: BigInt(i + 1),
              eventId: `e${i}`,
              metadata: { correlationId: 'c', causationId: 'c', actor: 'a', occurredAt: '' },
            })),
          );
          const state = history.reduce(evolve, initialState());
          const now = new Date(SENT_AT.getTime() + offset);
          const expires = decide({ type: 'ExpireInvitation' }, state, now).length > 0;
          expect(index.due(now).includes(sent.data.invitationId)).toBe(expires);
        }),
      );
    });
  });
});
