import type { FastifyReply } from 'fastify';
import { EVENT_POSITION_HEADER } from '../../../libs/platform/http/command-context';

/** Read-your-writes: the global position of what the command appended, when it appended anything. */
export function setEventPosition(reply: FastifyReply, position: bigint | undefined): void {
  if (position !== undefined) void reply.header(EVENT_POSITION_HEADER, position.toString());
}
