import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { requireAccountType, type AccountType, type Principal } from '../../../libs/auth/principal';
import { unauthenticated } from '../../../libs/platform/errors/app-error';

/** After AuthGuard: refuses the wrong account type (403 `wrong_account_type`) before the body is even read. */
abstract class AccountTypeGuard implements CanActivate {
  protected abstract readonly type: AccountType;

  canActivate(context: ExecutionContext): boolean {
    const principal = context.switchToHttp().getRequest<{ principal?: Principal }>().principal;
    if (!principal) throw unauthenticated('unauthenticated', 'Authentication is required.');
    requireAccountType(principal, this.type);
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
