import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import {
  CloudEventEnvelope,
  IntegrationEventData,
  type CloudEvent,
  type IntegrationEventType,
} from '../contracts';
import { compileRules, type QuickCheck } from '../platform/validation/compiled-rules';
import { isRecord } from '../platform/validation/is-record';

// Whitelisting strips unknown properties from the validated copy only; unknown
// fields are never an error, so producers may add fields without breaking consumers.
const OPTIONS = { forbidUnknownValues: true, whitelist: true, forbidNonWhitelisted: false };

function reasons(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = `${prefix}${e.property}`;
    const own = Object.values(e.constraints ?? {}).map((m) => `${path}: ${m}`);
    return [...own, ...reasons(e.children ?? [], `${path}.`)];
  });
}

const quickChecks = new Map<new () => object, QuickCheck | undefined>();

/** Passes `value` on its class's compiled rules; false sends it to class-validator. */
function passesQuickly(cls: new () => object, value: Record<string, unknown>): boolean {
  if (!quickChecks.has(cls)) quickChecks.set(cls, compileRules(cls));
  try {
    return quickChecks.get(cls)?.(value) ?? false;
  } catch {
    return false;
  }
}

/**
 * Validates `value` against a class-validator class; returns the reason or
 * null. A valid value passes on the compiled rules alone; any other is
 * judged, and explained, by class-validator.
 */
export function validateAs(cls: new () => object, value: unknown, what: string): string | null {
  if (!isRecord(value)) return `${what} is not a JSON object`;
  if (passesQuickly(cls, value)) return null;
  const errors = validateSync(plainToInstance(cls, value), OPTIONS);
  return errors.length ? `invalid ${what}: ${reasons(errors).join('; ')}` : null;
}

/** The CloudEvents 1.0 envelope every message must carry. */
export function validateEnvelope(body: unknown): string | null {
  return validateAs(CloudEventEnvelope, body, 'CloudEvent envelope');
}

/** `data` against a given class; for a body whose envelope is already valid. */
export function validateData(cls: new () => object, body: unknown): string | null {
  return validateAs(cls, isRecord(body) ? body.data : undefined, 'data');
}

const contracted = (type: unknown): type is IntegrationEventType =>
  typeof type === 'string' && Object.hasOwn(IntegrationEventData, type);

/** `data` against the integration contract when the type is contracted; for a body whose envelope is valid. */
export function validateContractedData(body: unknown): string | null {
  const { type } = body as CloudEvent;
  return contracted(type) ? validateData(IntegrationEventData[type], body) : null;
}

/**
 * For a consumer of `type`: the body must be of that type (the routing key and
 * the CloudEvents type are equal), and its `data` as the contract says when
 * the type is contracted. A body of another type would reach a handler that
 * reads fields its own type does not have.
 */
export function validateHandled(type: string, body: unknown): string | null {
  const actual = (body as CloudEvent).type;
  if (actual !== type) return `type ${JSON.stringify(actual)} on a queue for ${type}`;
  return validateContractedData(body);
}

/** Envelope, then `data` against the integration contract when the type is contracted. */
export function validateCloudEvent(body: unknown): string | null {
  return validateEnvelope(body) ?? validateContractedData(body);
}
