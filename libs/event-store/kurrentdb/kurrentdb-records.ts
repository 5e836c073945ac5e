import type {
  AllStreamResolvedEvent,
  ReadPosition,
  ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { START } from '@kurrent/kurrentdb-client';
import { isJsonObject, type EventMetadata, type RecordedEvent } from '../event-store.port';
import { escapeRegExp } from '../../platform/text/escape-reg-exp';

/** `0n` is the start of `$all`; any other port position is an event's commit (= prepare) position. */
export function at(position: bigint): ReadPosition {
  return position === 0n ? START : { commit: position, prepare: position };
}

export function positionOf(resolved: ResolvedEvent | AllStreamResolvedEvent): bigint | undefined {
  return resolved.event?.position?.commit ?? resolved.commitPosition;
}

/**
 * The port's view of a stored event; `undefined` for system events, link
 * records and events that are not ours. Other services may share the server,
 * and what they append need not be JSON with JSON metadata: those events are
 * passed over like system events, where throwing would stop every reader of
 * `$all` at them for good.
 */
export function toRecorded(
  resolved: ResolvedEvent | AllStreamResolvedEvent,
): RecordedEvent | undefined {
  const e = resolved.event;
  if (!e || e.type.startsWith('$')) return undefined;
  const position = positionOf(resolved);
  if (position === undefined) throw new Error(`event ${e.streamId}@${e.revision}: no position`);
  if (!e.isJson || !isJsonObject(e.data) || !isJsonObject(e.metadata)) return undefined;
  return {
    streamName: e.streamId,
    revision: Number(e.revision),
    position,
    eventId: e.id,
    type: e.type,
    data: e.data,
    metadata: ownMetadata(e.metadata) as unknown as EventMetadata,
  };
}

/**
 * The metadata as appended: a multi-stream append stores it as properties,
 * and reads give it back with keys of the server's own (`$schema.name`,
 * `$schema.format`); ours never start with `$`.
 */
const ownMetadata = (metadata: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(metadata).filter(([key]) => !key.startsWith('$')));

/** A regex matching exactly these event types, for the server's filters. */
export const exactTypes = (types: readonly string[]) =>
  `^(?:${types.map(escapeRegExp).join('|')})$`;
