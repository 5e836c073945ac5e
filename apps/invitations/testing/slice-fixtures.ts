import type { Principal } from '../../../libs/auth/principal';
import type { CommandContext } from '../../../libs/platform/command-handling/command-handler';

/** A vendor as its token would show it, for specs that call a slice's function directly. */
export const sliceVendor: Principal = {
  userId: 'vendor-user',
  companyId: 'vendor-co',
  accountType: 'vendor',
  email: 'vendor@example.com',
  emailVerified: true,
};

/** The context a request gives its command, now. */
export const sliceContext = (): CommandContext => ({
  correlationId: 'c',
  causationId: 'c',
  actor: `user:${sliceVendor.userId}`,
  now: new Date(),
});
