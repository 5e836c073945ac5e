import { invalid } from '../../../libs/platform/errors/app-error';
import type {
  InvitationCursor,
  RelationshipCursor,
} from '../../../libs/read-store/read-models.port';

/**
 * Opaque page cursors: base64url JSON of the last item's sort key, tagged by
 * list so one list's cursor is refused by another.
 */
type List = 'invitations' | RelationshipList;
/** A vendor's customers and a customer's vendors: the cursor's id means another company in each. */
export type RelationshipList = 'customers' | 'vendors';
type Tagged = { k: List; t: string; id: string };

const encode = (c: Tagged) => Buffer.from(JSON.stringify(c)).toString('base64url');

export const invitationCursor = (c: InvitationCursor) =>
  encode({ k: 'invitations', t: c.sentAt, id: c.invitationId });
export const relationshipCursor = (list: RelationshipList, c: RelationshipCursor) =>
  encode({ k: list, t: c.createdAt, id: c.id });

export function readInvitationCursor(raw: string | undefined): InvitationCursor | undefined {
  if (raw === undefined) return undefined;
  const c = decode(raw, 'invitations');
  return { sentAt: c.t, invitationId: c.id };
}

export function readRelationshipCursor(
  list: RelationshipList,
  raw: string | undefined,
): RelationshipCursor | undefined {
  if (raw === undefined) return undefined;
  const c = decode(raw, list);
  return { createdAt: c.t, id: c.id };
}

function decode(raw: string, kind: List): Tagged {
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    c = undefined;
  }
  const ok =
    typeof c === 'object' &&
    c !== null &&
    (c as Tagged).k === kind &&
    typeof (c as Tagged).t === 'string' &&
    typeof (c as Tagged).id === 'string';
  if (!ok) {
    throw invalid('invalid_cursor', 'The cursor is not one this list returned.', [
      { field: 'cursor', message: 'cursor must be a nextCursor value from this list' },
    ]);
  }
  return c as Tagged;
}
