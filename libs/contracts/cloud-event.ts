import {
  Equals,
  IsDefined,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
} from 'class-validator';

export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';
/** The one topic exchange every platform service publishes to. */
export const PLATFORM_EXCHANGE = 'platform.events';

/** CloudEvents 1.0, structured JSON mode. `type` is also the routing key. */
export interface CloudEvent<Data = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  datacontenttype: 'application/json';
  subject?: string;
  /** Extension attribute carrying the domain event's correlation id. */
  correlationid?: string;
  data: Data;
}

/** Envelope validation; `data` is validated by the class registered for the `type`. */
export class CloudEventEnvelope {
  @Equals('1.0') specversion!: '1.0';
  @IsString() @IsNotEmpty() id!: string;
  @IsString() @IsNotEmpty() source!: string;
  @IsString() @IsNotEmpty() type!: string;
  @IsISO8601({ strict: true }) time!: string;
  @IsOptional() @Equals('application/json') datacontenttype?: 'application/json';
  @IsOptional() @IsString() subject?: string;
  @IsOptional() @IsString() correlationid?: string;
  @IsDefined() @IsObject() data!: Record<string, unknown>;
}
