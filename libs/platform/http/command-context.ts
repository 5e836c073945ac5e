import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { CommandContext } from '../command-handling/command-handler';

interface RequestLike {
  id?: string;
  principal?: { userId: string };
}

/**
 * Metadata for the events a request causes: the request's correlation id,
 * the caller as actor, and the time, read once per request.
 */
export const RequestContext = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): CommandContext => {
    const request = ctx.switchToHttp().getRequest<RequestLike>();
    const correlationId = request.id ?? randomUUID();
    return {
      correlationId,
      causationId: correlationId,
      actor: request.principal ? `user:${request.principal.userId}` : 'anonymous',
      now: new Date(),
    };
  },
);

/** Header carrying the global position of a command's last event, for read-your-writes. */
export const EVENT_POSITION_HEADER = 'X-Event-Position';
