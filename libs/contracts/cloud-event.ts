import {
  buildMessage,
  Equals,
  IsDefined,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  ValidateBy,
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
  /**
   * Extension attribute carrying the domain event's correlation id. Ours is a
   * string; another service's may be a number or a boolean (see correlationIdOf).
   */
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
  // Any */json or */*+json type is JSON to the CloudEvents JSON format.
  @Matches(/^[\w.-]+\/(?:[\w.-]+\+)?json\s*(?:;.*)?$/i)
  datacontenttype?: string;
  @IsOptional() @IsString() subject?: string;
  @IsOptional() @IsExtensionValue() correlationid?: string;
  @IsDefined() @IsObject() data!: Record<string, unknown>;
}

/** What an extension attribute may hold in JSON: a string, a number or a boolean. */
function IsExtensionValue() {
  return ValidateBy({
    name: 'isExtensionValue',
    validator: {
      validate: (value) => ['string', 'number', 'boolean'].includes(typeof value),
      defaultMessage: buildMessage(
        (each) => `${each}$property must be a string, a number or a boolean`,
      ),
    },
  });
}

/** A consumed event's correlation id as text, whatever JSON type its publisher gave it. */
export function correlationIdOf(event: Pick<CloudEvent, 'correlationid'>): string | undefined {
  const value: unknown = event.correlationid;
  return value === undefined || value === null ? undefined : String(value);
}
