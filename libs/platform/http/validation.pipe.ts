import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { AppError, invalid, type FieldError } from '../errors/app-error';
import { compileRules, ruledProperties, type QuickCheck } from '../validation/compiled-rules';

type Rules = { check: QuickCheck; known: Set<string> } | null;

/**
 * Nest's ValidationPipe with a quick path: a body with no unknown field that
 * passes its class's compiled rules (after its transforms) is taken as it is,
 * without class-validator's error machinery. Anything else goes the full way,
 * which stays the judge and names every reason, so answers do not change.
 */
class QuickValidationPipe extends ValidationPipe {
  private readonly rules = new Map<unknown, Rules>();
  private readonly known = new Map<unknown, Set<string>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const cls = metadata.metatype as (new () => object) | undefined;
    // Custom decorators' values are not validated by Nest's pipe either.
    const quick = cls && metadata.type !== 'custom' && isRecord(value);
    if (quick) await this.refuseHiddenKeys(value as Record<string, unknown>, cls, metadata);
    const rules = quick ? this.rulesOf(cls) : null;
    if (rules && Object.keys(value as object).every((key) => rules.known.has(key))) {
      const instance = plainToInstance(cls!, value) as Record<string, unknown>;
      if (passes(rules.check, instance)) return instance;
    }
    return super.transform(value, metadata);
  }

  /**
   * class-transformer drops keys named like `Object.prototype` members
   * (`toString`, `valueOf`, …), so the whitelist never sees them and they
   * would pass as known. They are refused here, with the rest's reasons.
   */
  private async refuseHiddenKeys(
    value: Record<string, unknown>,
    cls: new () => object,
    metadata: ArgumentMetadata,
  ): Promise<void> {
    const known = this.knownOf(cls);
    const hidden = Object.keys(value).filter((k) => k in Object.prototype && !known.has(k));
    if (!known.size || !hidden.length) return;
    const rest = Object.fromEntries(Object.entries(value).filter(([k]) => !hidden.includes(k)));
    const others = await super.transform(rest, metadata).then(
      () => [],
      (error: unknown) => {
        if (error instanceof AppError && error.errors) return error.errors;
        throw error;
      },
    );
    const unknown = hidden.map((field) => ({
      field,
      message: `property ${field} should not exist`,
    }));
    throw invalid('validation_failed', 'The request has invalid fields.', [...others, ...unknown]);
  }

  private knownOf(cls: new () => object): Set<string> {
    let known = this.known.get(cls);
    if (!known) this.known.set(cls, (known = ruledProperties(cls)));
    return known;
  }

  private rulesOf(cls: new () => object): Rules {
    if (!this.rules.has(cls)) {
      const check = compileRules(cls);
      this.rules.set(cls, check ? { check, known: this.knownOf(cls) } : null);
    }
    return this.rules.get(cls)!;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A validator that throws on an odd value counts as a failure: the full path explains it. */
function passes(check: QuickCheck, instance: Record<string, unknown>): boolean {
  try {
    return check(instance);
  } catch {
    return false;
  }
}

/** Rejects unknown fields and wrong types with one 400 `validation_failed` listing every field. */
export function strictValidationPipe(): ValidationPipe {
  return new QuickValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) =>
      invalid('validation_failed', 'The request has invalid fields.', flatten(errors)),
  });
}

export function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}
