import { ApiProperty } from '@nestjs/swagger';
import { EmailAddress } from '../../../libs/platform/validation/email-address';

export class ResendVerificationRequest {
  @ApiProperty({ example: 'ann@example.com', maxLength: 254 })
  @EmailAddress()
  email!: string;
}

export class ResendVerificationResponse {
  @ApiProperty({ enum: ['accepted'] })
  status!: 'accepted';
}
