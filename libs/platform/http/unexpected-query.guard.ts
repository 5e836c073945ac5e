import { SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { unknownFields } from './validation.pipe';

const ANY_QUERY = 'http:any-query';

/** For probes and key sets: tools fetch them with parameters of their own (cache busters). */
export const AnyQuery = () => SetMetadata(ANY_QUERY, true);

/**
 * Refuses a query string on a route that takes none, as unknown body fields
 * are refused: a parameter the caller believes matters (`?dryRun=true`,
 * `?name=…`) is never silently ignored. A global guard, so it runs before the
 * route's own guards, as the other refusals of a malformed request do (an
 * interceptor, after them, cost a fifth of the service's throughput).
 */
export class UnexpectedQueryGuard implements CanActivate {
  /** Per controller, then per handler: an inherited handler may serve controllers that differ. */
  private readonly refuses = new WeakMap<object, WeakMap<object, boolean>>();

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const { query } = context.switchToHttp().getRequest<{ query?: object }>();
    if (!query) return true;
    const fields = Object.keys(query);
    if (fields.length && this.refusesQuery(context)) throw unknownFields(fields, 'query');
    return true;
  }

  private refusesQuery(context: ExecutionContext): boolean {
    const controller = context.getClass();
    const handler = context.getHandler();
    let known = this.refuses.get(controller);
    if (!known) this.refuses.set(controller, (known = new WeakMap()));
    let refuses = known.get(handler);
    if (refuses === undefined) {
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) ??
        {}) as Record<string, unknown>;
      const takesQuery = Object.keys(args).some((key) =>
        key.startsWith(`${RouteParamtypes.QUERY}:`),
      );
      const anyQuery = [handler, controller].some((t) => Reflect.getMetadata(ANY_QUERY, t));
      refuses = !takesQuery && !anyQuery;
      known.set(handler, refuses);
    }
    return refuses;
  }
}
