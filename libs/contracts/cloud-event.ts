import {
  Equals,
  IsDefined,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
} from 'class-validator';
import { IsTimestamp } from './timestamp';

export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';
/** The one topic exchange every platform service publishes to. */
export const PLATFORM_EXCHANGE = 'platform.events';

/** CloudEvents 1.0, structured JSON mode. `type` is also the routing key. */
export interface CloudEvent<Data = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  /** Always set by ours; optional in CloudEvents 1.0, so a consumed event may lack it. */
  time: string;
  datacontenttype: 'application/json';
  subject?: string;
  /** Extension attribute carrying the domain event's correlation id. */
  correlationid?: string;
  data: Data;
}

/**
 * Envelope validation, as CloudEvents 1.0 has it (so any platform service's
 * conforming message passes); `data` is validated by the class registered
 * for the `type`. Ours always carry `time` and `datacontenttype`.
 */
export class CloudEventEnvelope {
  @Equals('1.0') specversion!: '1.0';
  @IsString() @IsNotEmpty() id!: string;
  @IsString() @IsNotEmpty() source!: string;
  @IsString() @IsNotEmpty() type!: string;
  @IsOptional() @IsTimestamp() time?: string;
  // JSON data: application/json, with parameters (charset) or not, or a +json type.
  @IsOptional()
  @Matches(/^application\/(?:[\w.-]+\+)?json\s*(?:;.*)?$/i)
  datacontenttype?: string;
  @IsOptional() @IsString() subject?: string;
  @IsOptional() @IsString() correlationid?: string;
  @IsDefined() @IsObject() data!: Record<string, unknown>;
}
