import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { EmailAddress } from '../../../libs/platform/validation/email-address';

export class LoginRequest {
  @ApiProperty({ example: 'ann@example.com', maxLength: 254 })
  @EmailAddress()
  email!: string;

  @ApiProperty({ format: 'password', maxLength: 1024 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password!: string;
}

export class LoginResponse {
  @ApiProperty({ description: 'ES256 JWT, verifiable with /.well-known/jwks.json' })
  accessToken!: string;
  @ApiProperty({ enum: ['Bearer'] }) tokenType!: 'Bearer';
  @ApiProperty({ description: 'Seconds until the token expires.', example: 3600 })
  expiresIn!: number;
}
