import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class AcceptInvitationRequest {
  @ApiProperty({ description: 'The token from the invitation link.', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  token!: string;
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
