import { Body, Controller, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiGoneResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store';
import { ApiUnavailable } from '../../../libs/platform/http/api-responses';
import { AcceptLinkQuery } from '../accept-invitation/accept-invitation.dto';
import { invitationIdParam } from '../http/invitation-id';
import { InvitationPreviewResponse, PreviewInvitationRequest } from './preview-invitation.dto';
import { previewInvitation } from './preview-invitation';

/** No bearer token: the link's token is what lets its holder see the invitation. */
@ApiTags('invitations')
@Controller('invitations')
@ApiUnavailable('event_store_unavailable')
export class PreviewInvitationController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Post(':id/preview')
  @HttpCode(200)
  @ApiOkResponse({
    type: InvitationPreviewResponse,
    description: 'Who invites, whom, and the status; nothing is recorded.',
  })
  @ApiNotFoundResponse({ description: '`invitation_invalid`' })
  @ApiGoneResponse({ description: '`invitation_link_superseded`' })
  preview(
    @Param('id') rawId: string,
    @Body() body: PreviewInvitationRequest,
    @Query() _link: AcceptLinkQuery,
  ): Promise<InvitationPreviewResponse> {
    const id = invitationIdParam(rawId, 'invitation_invalid');
    return previewInvitation(this.store, id, body.token, new Date());
  }
}
