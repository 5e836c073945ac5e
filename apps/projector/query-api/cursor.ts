import { createHash } from 'node:crypto';
import { invalid } from '../../../libs/platform/errors/app-error';
import type {
  InvitationCursor,
  RelationshipCursor,
} from '../../../libs/read-store/read-models.port';

/**
 * Opaque page cursors: base64url JSON of the last item's sort key, tagged by
 * list and by the question asked (the company and the filters), so a cursor
 * serves only the query that returned it: any other is refused, rather than
 * quietly starting another list at a point of this one.
 */
type List = 'invitations' | RelationshipList;
/** A vendor's customers and a customer's vendors: the cursor's id means another company in each. */
export type RelationshipList = 'customers' | 'vendors';
/** `q` is absent from cursors issued before it was added, which are still taken. */
type Tagged = { k: List; q?: string; t: string; id: string };

/** The question a page answers, beyond its size: owner and filters, as a short digest. */
export const queryOf = (...parts: Array<string | undefined>) =>
  createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);

const encode = (c: Tagged) => Buffer.from(JSON.stringify(c)).toString('base64url');

export const invitationCursor = (q: string, c: InvitationCursor) =>
  encode({ k: 'invitations', q, t: c.sentAt, id: c.invitationId });
export const relationshipCursor = (list: RelationshipList, q: string, c: RelationshipCursor) =>
  encode({ k: list, q, t: c.createdAt, id: c.id });

export function readInvitationCursor(
  q: string,
  raw: string | undefined,
): InvitationCursor | undefined {
  if (raw === undefined) return undefined;
  const c = decode(raw, 'invitations', q);
  return { sentAt: c.t, invitationId: c.id };
}

export function readRelationshipCursor(
  list: RelationshipList,
  q: string,
  raw: string | undefined,
): RelationshipCursor | undefined {
  if (raw === undefined) return undefined;
  const c = decode(raw, list, q);
  return { createdAt: c.t, id: c.id };
}

function decode(raw: string, kind: List, q: string): Tagged {
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    c = undefined;
  }
  const tagged = c as Tagged;
  const ok =
    typeof c === 'object' &&
    c !== null &&
    tagged.k === kind &&
    (tagged.q === undefined || tagged.q === q) &&
    typeof tagged.t === 'string' &&
    typeof tagged.id === 'string';
  if (!ok) {
    throw invalid('invalid_cursor', 'The cursor is not one this query returned.', [
      {
        field: 'cursor',
        message: 'cursor must be a nextCursor value from this list, with the same filters',
      },
    ]);
  }
  return tagged;
}
