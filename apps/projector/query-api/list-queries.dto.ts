import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import {
  INVITATION_STATUSES,
  RELATIONSHIP_STATUSES,
  type InvitationStatus,
  type RelationshipStatus,
} from '../../../libs/read-store/read-models.port';
import { normaliseEmail } from '../../../libs/platform/validation/email-address';
import { wholeNumber } from '../../../libs/platform/validation/whole-number';

export const DEFAULT_LIMIT = 20;

class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: DEFAULT_LIMIT })
  @IsOptional()
  @Transform(wholeNumber)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be a nextCursor value from this list' })
  cursor?: string;
}

export class InvitationListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: INVITATION_STATUSES })
  @IsOptional()
  @IsIn(INVITATION_STATUSES)
  status?: InvitationStatus;

  @ApiPropertyOptional({ description: 'Exact address, case-insensitive.' })
  @IsOptional()
  @IsString()
  @IsNotEmpty({ message: 'email must not be empty; leave it out to list every address' })
  @MaxLength(320)
  @Transform(({ value }) => normaliseEmail(value))
  email?: string;
}

export class RelationshipListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: RELATIONSHIP_STATUSES })
  @IsOptional()
  @IsIn(RELATIONSHIP_STATUSES)
  status?: RelationshipStatus;
}
