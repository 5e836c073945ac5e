import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PlainText } from '../../../libs/platform/validation/single-line';
import { trim } from '../../../libs/platform/validation/trim';

export class CancelInvitationRequest {
  @ApiPropertyOptional({ maxLength: 500, example: 'Sent to the wrong address' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(500)
  @PlainText()
  reason?: string;
}

export class CancelInvitationResponse {
  @ApiProperty({ enum: ['cancelled'] }) status!: 'cancelled';
}
