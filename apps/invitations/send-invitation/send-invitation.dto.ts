import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { SingleLine } from '../../../libs/platform/validation/single-line';
import { NewEmailAddress } from '../../../libs/platform/validation/email-address';
import { trim } from '../../../libs/platform/validation/trim';

export class SendInvitationRequest {
  @ApiProperty({ example: 'ann@example.com', maxLength: 254, description: 'Stored lower-cased.' })
  @NewEmailAddress()
  email!: string;

  @ApiProperty({ example: 'Ann', maxLength: 100 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  @SingleLine()
  firstName!: string;

  @ApiProperty({ example: 'Lee', maxLength: 100 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  @SingleLine()
  lastName!: string;

  @ApiPropertyOptional({ example: 'Lee Bakery', maxLength: 200 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(200)
  @SingleLine()
  businessName?: string;

  @ApiPropertyOptional({ example: 'C-1042', maxLength: 100 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(100)
  @SingleLine()
  customerNumber?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 30, default: 7 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(30)
  expiresInDays?: number;
}

export class SendInvitationResponse {
  @ApiProperty({ format: 'uuid' }) invitationId!: string;
  @ApiProperty({ enum: ['pending'] }) status!: 'pending';
  @ApiProperty({ example: 'ann@example.com' }) email!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ description: '`{PUBLIC_URL}/invitations/<id>/accept?token=<token>`' })
  acceptUrl!: string;
}
