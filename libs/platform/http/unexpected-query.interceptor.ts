import {
  SetMetadata,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Observable } from 'rxjs';
import { invalidFields, unknownField } from './validation.pipe';

const ANY_QUERY = 'http:any-query';

/** For probes and key sets: tools fetch them with parameters of their own (cache busters). */
export const AnyQuery = () => SetMetadata(ANY_QUERY, true);

/**
 * Refuses a query string on a route that takes none, as unknown body fields
 * are refused: a parameter the caller believes matters (`?dryRun=true`,
 * `?name=…`) is never silently ignored. It runs after the guards, so an
 * unauthenticated caller still gets 401 first.
 */
export class UnexpectedQueryInterceptor implements NestInterceptor {
  private readonly refuses = new WeakMap<object, boolean>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const { query } = context.switchToHttp().getRequest<{ query?: object }>();
      const fields = query ? Object.keys(query) : [];
      if (fields.length && this.refusesQuery(context)) {
        throw invalidFields(fields.map(unknownField));
      }
    }
    return next.handle();
  }

  private refusesQuery(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let refuses = this.refuses.get(handler);
    if (refuses === undefined) {
      const controller = context.getClass();
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) ??
        {}) as Record<string, unknown>;
      const takesQuery = Object.keys(args).some((key) =>
        key.startsWith(`${RouteParamtypes.QUERY}:`),
      );
      const anyQuery = [handler, controller].some((t) => Reflect.getMetadata(ANY_QUERY, t));
      refuses = !takesQuery && !anyQuery;
      this.refuses.set(handler, refuses);
    }
    return refuses;
  }
}
