import { ApiProperty } from '@nestjs/swagger';
import type { InvitationStatus, InvitationView } from './invitation-view';

/** The OpenAPI schema of an invitation as both services show it (`GET /invitations/:id`, the vendor's list). */
export class InvitationResponse implements InvitationView {
  @ApiProperty({ format: 'uuid' }) invitationId!: string;
  @ApiProperty({ format: 'uuid' }) vendorId!: string;
  @ApiProperty() email!: string;
  @ApiProperty() firstName!: string;
  @ApiProperty() lastName!: string;
  @ApiProperty({ type: String, nullable: true }) businessName!: string | null;
  @ApiProperty({ type: String, nullable: true }) customerNumber!: string | null;
  @ApiProperty({ enum: ['pending', 'accepted', 'cancelled', 'expired'] }) status!: InvitationStatus;
  @ApiProperty({ format: 'date-time' }) sentAt!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) acceptedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) cancelledAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiredAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) customerCompanyId!: string | null;
}
