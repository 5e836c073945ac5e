import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { AppError, invalid, type FieldError } from '../errors/app-error';
import { compileRules, ruledProperties, type QuickCheck } from '../validation/compiled-rules';
import { isRecord } from '../validation/is-record';

/**
 * Nest's ValidationPipe with a quick path: a body with no unknown field that
 * passes its class's compiled rules (after its transforms) is taken as it is,
 * without class-validator's error machinery. Anything else goes the full way,
 * which stays the judge and names every reason, so answers do not change.
 * Refused at once, before either: a body that is not a JSON object, and a
 * value with more than MAX_UNKNOWN_FIELDS unknown fields.
 */
class QuickValidationPipe extends ValidationPipe {
  private readonly checks = new Map<unknown, QuickCheck | null>();
  private readonly known = new Map<unknown, Set<string>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // What Nest's pipe does not validate (custom decorators' values, primitive types) is its own.
    if (!this.toValidate(metadata)) return super.transform(value, metadata);
    const cls = metadata.metatype as new () => object;
    // class-transformer and class-validator would walk an array element by element, an error
    // each: refused at once, as primitives are. An absent body (`undefined`, or `null` as some
    // clients send for none) is judged as `{}`.
    if (metadata.type === 'body' && !metadata.data && value != null && !isRecord(value)) {
      throw invalidFields([{ field: 'body', message: 'must be a JSON object' }]);
    }
    if (isRecord(value)) {
      const known = this.knownOf(cls);
      const unknown = known.size ? Object.keys(value).filter((k) => !known.has(k)) : [];
      if (unknown.length > MAX_UNKNOWN_FIELDS) throw unknownFields(unknown, metadata.type);
      // class-transformer drops keys named like `Object.prototype` members (`toString`,
      // `valueOf`, …), so the whitelist never sees them and they would pass as known.
      const hidden = unknown.filter((k) => k in Object.prototype);
      if (hidden.length) throw await this.refusal(value, hidden, metadata);
      const check = this.checkOf(cls);
      if (check && !unknown.length) {
        const instance = plainToInstance(cls, value) as Record<string, unknown>;
        if (passes(check, instance)) return instance;
      }
    }
    return super.transform(value, metadata);
  }

  /** The refusal of `hidden` keys, with the reasons the rest of the value has. */
  private async refusal(
    value: Record<string, unknown>,
    hidden: string[],
    metadata: ArgumentMetadata,
  ): Promise<AppError> {
    const rest = Object.fromEntries(Object.entries(value).filter(([k]) => !hidden.includes(k)));
    const others = await super.transform(rest, metadata).then(
      () => [],
      (error: unknown) => {
        if (error instanceof AppError && error.errors) return error.errors;
        throw error;
      },
    );
    return invalidFields([...others, ...hidden.map(unknownField)]);
  }

  private knownOf(cls: new () => object): Set<string> {
    let known = this.known.get(cls);
    if (!known) this.known.set(cls, (known = ruledProperties(cls)));
    return known;
  }

  private checkOf(cls: new () => object): QuickCheck | null {
    if (!this.checks.has(cls)) this.checks.set(cls, compileRules(cls) ?? null);
    return this.checks.get(cls)!;
  }
}

/**
 * Unknown fields named one by one at most. Past it class-validator is not called: it would
 * build an error per key, and the answer would list each (thousands in a 64 KiB body).
 */
export const MAX_UNKNOWN_FIELDS = 20;

/** The refusal of unknown `fields` of a `body` or `query`: the first ones named, the rest counted. */
export function unknownFields(fields: string[], where: string): AppError {
  const more = fields.length - MAX_UNKNOWN_FIELDS;
  const counted = { field: where, message: `${more} more unknown properties should not exist` };
  return invalidFields([
    ...fields.slice(0, MAX_UNKNOWN_FIELDS).map(unknownField),
    ...(more > 0 ? [counted] : []),
  ]);
}

/** A validator that throws on an odd value counts as a failure: the full path explains it. */
function passes(check: QuickCheck, instance: Record<string, unknown>): boolean {
  try {
    return check(instance);
  } catch {
    return false;
  }
}

export const unknownField = (field: string): FieldError => ({
  field,
  message: `property ${field} should not exist`,
});
export const invalidFields = (errors: FieldError[]) =>
  invalid('validation_failed', 'The request has invalid fields.', errors);

/** Rejects unknown fields and wrong types with one 400 `validation_failed` listing every field. */
export function strictValidationPipe(): ValidationPipe {
  return new QuickValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => invalidFields(flatten(errors)),
  });
}

export function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}
