import type { FastifyReply } from 'fastify';
import { EVENT_POSITION_HEADER } from './command-context';

/** Read-your-writes: the position a query must reach (`X-Min-Position`) to see what the command did. */
export function setEventPosition(reply: FastifyReply, position: bigint | undefined): void {
  if (position !== undefined) void reply.header(EVENT_POSITION_HEADER, position.toString());
}
