import type { AppError } from '../../../libs/platform/errors/app-error';
import { decide } from './decide';
import type { InvitationCommand } from './invitation.commands';
import type {
  InvitationCancelled,
  InvitationEvent,
  InvitationExpired,
  InvitationSent,
} from './invitation.events';
import { evolve, initialState } from './invitation.state';
import { hashToken } from './invitation-token';

/** given(history).when(command, now).then(events) / .thenRefuses(code), for decider specs. */
export function given(history: InvitationEvent[]) {
  const state = history.reduce(evolve, initialState());
  return {
    when(command: InvitationCommand, now: Date = SENT_AT) {
      const run = () => decide(command, state, now);
      return {
        then: (expected: InvitationEvent[]) => expect(run()).toEqual(expected),
        thenRefuses(kind: AppError['kind'], code: string) {
          expect(run).toThrow(expect.objectContaining({ kind, code }));
        },
      };
    },
  };
}

export const SENT_AT = new Date('2026-11-20T10:00:00.000Z');
export const EXPIRES_AT = '2026-11-27T10:00:00.000Z';
export const after = (date: string | Date, ms = 1) => new Date(new Date(date).getTime() + ms);

export const ids = { invitationId: 'inv-1', vendorId: 'vendor-1' };
export const TOKEN = 'first-token';
export const NEW_TOKEN = 'second-token';

export const sent: InvitationSent = {
  type: 'InvitationSent',
  data: {
    ...ids,
    invitedBy: 'vendor-user-1',
    email: 'ann@example.com',
    firstName: 'Ann',
    lastName: 'Lee',
    tokenHash: hashToken(TOKEN),
    expiresAt: EXPIRES_AT,
  },
};

export const ann = { userId: 'user-ann', companyId: 'company-ann', email: 'ann@example.com' };

export const resent = (
  expiresAt = after(EXPIRES_AT, 86_400_000).toISOString(),
): InvitationEvent => ({
  type: 'InvitationResent',
  data: { ...ids, tokenHash: hashToken(NEW_TOKEN), expiresAt },
});

export const deferredFor = (customer = ann): InvitationEvent => ({
  type: 'InvitationAcceptanceDeferred',
  data: {
    ...ids,
    customerUserId: customer.userId,
    customerCompanyId: customer.companyId,
    reason: 'email_unverified',
  },
});

export const acceptedBy = (customer = ann, at = SENT_AT): InvitationEvent => ({
  type: 'InvitationAccepted',
  data: {
    ...ids,
    customerUserId: customer.userId,
    customerCompanyId: customer.companyId,
    acceptedAt: at.toISOString(),
  },
});

export const cancelled: InvitationCancelled = {
  type: 'InvitationCancelled',
  data: { ...ids, cancelledBy: 'vendor-user-1' },
};

export const expired: InvitationExpired = {
  type: 'InvitationExpired',
  data: { ...ids, expiredAt: EXPIRES_AT },
};
