import { notFound } from '../../../libs/platform/errors/app-error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Invitation ids are UUIDs; anything else names no invitation (404, never 500). */
export function invitationIdParam(
  raw: string,
  code: 'invitation_not_found' | 'invitation_invalid',
): string {
  if (!UUID.test(raw)) {
    throw notFound(
      code,
      code === 'invitation_invalid' ? 'The invitation link is not valid.' : 'No such invitation.',
    );
  }
  return raw.toLowerCase();
}
