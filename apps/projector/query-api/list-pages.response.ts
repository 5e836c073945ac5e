import { ApiProperty } from '@nestjs/swagger';
import { InvitationResponse } from '../../../libs/contracts/invitation-view.response';
import type {
  RelationshipStatus,
  RelationshipView,
} from '../../../libs/read-store/read-models.port';
import type { ProjectionHealth, ProjectionStatus } from '../projector/projection-status';

const NEXT_CURSOR = {
  type: String,
  nullable: true,
  description: 'Pass as `cursor` for the next page; `null` on the last.',
};

export class InvitationPage {
  @ApiProperty({ type: [InvitationResponse] }) items!: InvitationResponse[];
  @ApiProperty(NEXT_CURSOR) nextCursor!: string | null;
}

export class RelationshipResponse implements RelationshipView {
  @ApiProperty() vendorId!: string;
  @ApiProperty() customerCompanyId!: string;
  @ApiProperty({ enum: ['active', 'inactive'] }) status!: RelationshipStatus;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) activatedAt!: string;
  @ApiProperty({ format: 'uuid' }) invitationId!: string;
  @ApiProperty({ type: String, nullable: true }) customerNumber!: string | null;
}

export class RelationshipPage {
  @ApiProperty({ type: [RelationshipResponse] }) items!: RelationshipResponse[];
  @ApiProperty(NEXT_CURSOR) nextCursor!: string | null;
}

class RebuildProgress {
  @ApiProperty() version!: number;
  @ApiProperty({ description: 'Decimal string: positions are 64-bit.' }) position!: string;
}

export class ProjectionStatusResponse implements ProjectionStatus {
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Checkpoint of the active version, a decimal string.' })
  position!: string;
  @ApiProperty({ description: 'Event-store head minus the checkpoint.' }) lag!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastEventAt!: string | null;
  @ApiProperty({ enum: ['live', 'catching_up', 'stalled'] }) status!: ProjectionHealth;
  @ApiProperty() version!: number;
  @ApiProperty({ description: 'Counted up to 10,000, which then means at least that many.' })
  parkedEvents!: number;
  @ApiProperty({ type: RebuildProgress, nullable: true }) rebuilding!: RebuildProgress | null;
}
