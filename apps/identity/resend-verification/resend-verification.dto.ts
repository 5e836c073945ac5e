import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, MaxLength } from 'class-validator';
import { normaliseEmail } from '../register/register.dto';

export class ResendVerificationRequest {
  @ApiProperty({ example: 'ann@example.com', maxLength: 254 })
  @Transform(normaliseEmail)
  @IsEmail()
  @MaxLength(254)
  email!: string;
}

export class ResendVerificationResponse {
  @ApiProperty({ enum: ['accepted'] })
  status!: 'accepted';
}
