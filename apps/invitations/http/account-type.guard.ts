import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { requirePrincipal } from '../../../libs/auth/auth.guard';
import { requireAccountType, type AccountType } from '../../../libs/auth/principal';
import { forbidden } from '../../../libs/platform/errors/app-error';

/** After AuthGuard: refuses the wrong account type (403 `wrong_account_type`) before the body is even read. */
abstract class AccountTypeGuard implements CanActivate {
  protected abstract readonly type: AccountType;

  canActivate(context: ExecutionContext): boolean {
    requireAccountType(requirePrincipal(context), this.type);
    return true;
  }
}

@Injectable()
export class VendorOnly extends AccountTypeGuard {
  protected readonly type = 'vendor';
}

@Injectable()
export class CustomerOnly extends AccountTypeGuard {
  protected readonly type = 'customer';
}

export const REQUIRE_VERIFIED_SENDER = Symbol('REQUIRE_VERIFIED_SENDER');

/**
 * After VendorOnly, on the routes that email someone: with
 * `INVITATIONS_REQUIRE_VERIFIED_SENDER=true`, a vendor whose email is not
 * verified yet is refused (403 `email_unverified`), so an account made in a
 * minute cannot have the platform email any address.
 */
@Injectable()
export class VerifiedSender implements CanActivate {
  constructor(@Inject(REQUIRE_VERIFIED_SENDER) private readonly required: boolean) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.required && !requirePrincipal(context).emailVerified) {
      throw forbidden(
        'email_unverified',
        'Verify your email address before sending invitations; then log in again for a new token.',
      );
    }
    return true;
  }
}
