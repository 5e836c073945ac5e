import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { NewEmailAddress } from '../../../libs/platform/validation/email-address';
import { SingleLine } from '../../../libs/platform/validation/single-line';
import { trim } from '../../../libs/platform/validation/trim';
import type { AccountType } from '../../../libs/auth/principal';

export class RegisterRequest {
  @ApiProperty({ example: 'ann@example.com', maxLength: 254, description: 'Stored lower-cased.' })
  @NewEmailAddress()
  email!: string;

  @ApiProperty({ minLength: 8, maxLength: 128, format: 'password' })
  @IsString()
  @MinLength(8)
  @MaxLength(128)
  password!: string;

  @ApiProperty({ enum: ['customer', 'vendor'] })
  @IsIn(['customer', 'vendor'])
  accountType!: AccountType;

  @ApiProperty({ example: 'Ann Ltd', maxLength: 200 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @SingleLine()
  companyName!: string;

  @ApiPropertyOptional({ example: 'Ann', maxLength: 100 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(100)
  @SingleLine()
  firstName?: string;

  @ApiPropertyOptional({ example: 'Smith', maxLength: 100 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(100)
  @SingleLine()
  lastName?: string;
}

export class RegisterResponse {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ format: 'uuid' }) companyId!: string;
  @ApiProperty({ enum: ['customer', 'vendor'] }) accountType!: AccountType;
  @ApiProperty({ example: 'ann@example.com' }) email!: string;
  @ApiProperty({ enum: [false] }) emailVerified!: false;
}
