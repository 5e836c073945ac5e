import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

export class AcceptInvitationRequest {
  @ApiProperty({ description: 'The token from the invitation link.', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  token!: string;
}

/** The accept link's own query, so a client may post to the link as it is. */
export class AcceptLinkQuery {
  @ApiPropertyOptional({
    description: 'The token as the link carries it; not read: the body’s token is the one checked.',
  })
  @IsOptional()
  @IsString()
  token?: string;
}

export class InvitationAcceptedResponse {
  @ApiProperty({ format: 'uuid' }) invitationId!: string;
  @ApiProperty({ enum: ['accepted'] }) status!: 'accepted';
  @ApiProperty({ format: 'uuid' }) vendorId!: string;
  @ApiProperty({ format: 'uuid' }) customerCompanyId!: string;
}

export class AcceptanceDeferredResponse {
  @ApiProperty({ format: 'uuid' }) invitationId!: string;
  @ApiProperty({ enum: ['pending'] }) status!: 'pending';
  @ApiProperty({ enum: ['email_verification'] }) awaiting!: 'email_verification';
}

export type AcceptInvitationResponse = InvitationAcceptedResponse | AcceptanceDeferredResponse;
