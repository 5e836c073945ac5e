import { ApiProperty } from '@nestjs/swagger';
import type { InvitationStatus } from '../invitation/invitation.state';

export { AcceptInvitationRequest as PreviewInvitationRequest } from '../accept-invitation/accept-invitation.dto';

/** What the holder of a link may see before logging in: who invites, whom, and until when. */
export class InvitationPreviewResponse {
  @ApiProperty({ format: 'uuid' }) invitationId!: string;
  @ApiProperty({ enum: ['pending', 'accepted', 'cancelled', 'expired'] }) status!: InvitationStatus;
  @ApiProperty({ format: 'uuid' }) vendorId!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The vendor company’s name; null for an invitation sent before it was recorded.',
  })
  vendorName!: string | null;
  @ApiProperty({
    description: 'The address invited, masked (`c***@customer.example`): the account must have it.',
  })
  email!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}
