import { getMetadataStorage, ValidationTypes, type ValidationArguments } from 'class-validator';

/** True when the value passes every rule; never explains a failure. */
export type QuickCheck = (value: Record<string, unknown>) => boolean;
type PropertyCheck = (object: Record<string, unknown>) => boolean;
type ValidationMetadata = ReturnType<
  ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']
>[number];

type Validate = (value: unknown, args: ValidationArguments) => unknown;

const RUN = new Set<string>([ValidationTypes.CUSTOM_VALIDATION, ValidationTypes.IS_DEFINED]);

/**
 * A class's class-validator rules, looked up once and run straight on the
 * plain value: no instance, no error objects, no metadata search per call.
 * It answers only "valid"; whatever it does not pass goes to class-validator
 * itself, which stays the judge and names the reasons. Undefined when the
 * class has no rules or uses one this does not run the same way (nested,
 * `each`, groups, `validateIf`, async), or when class-validator's metadata is
 * not shaped as this expects: that class always takes the full path.
 */
export function compileRules(cls: new () => object): QuickCheck | undefined {
  try {
    return compile(cls);
  } catch {
    return undefined; // metadata not shaped as expected (another class-validator): the full path
  }
}

function compile(cls: new () => object): QuickCheck | undefined {
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(cls, '', false, false, undefined);
  if (metadatas.length === 0) return undefined; // forbidUnknownValues: an error to report
  const checks: PropertyCheck[] = [];
  for (const [property, list] of Object.entries(storage.groupByPropertyName(metadatas))) {
    const check = compileProperty(cls.name, property, list);
    if (!check) return undefined;
    checks.push(check);
  }
  return (value) => checks.every((check) => check(value));
}

function compileProperty(
  targetName: string,
  property: string,
  list: ValidationMetadata[],
): PropertyCheck | undefined {
  const storage = getMetadataStorage();
  const conditions: Array<(object: object, value: unknown) => boolean> = [];
  const rules: Array<{ validate: Validate; constraints: unknown[] }> = [];
  for (const m of list) {
    if (m.each || m.validateIf || m.groups?.length) return undefined;
    if (m.type === ValidationTypes.CONDITIONAL_VALIDATION) conditions.push(m.constraints[0]);
    else if (RUN.has(m.type)) {
      for (const c of storage.getTargetValidatorConstraints(m.constraintCls)) {
        if (c.async) return undefined;
        const instance = c.instance as { validate: Validate };
        rules.push({ validate: instance.validate.bind(instance), constraints: m.constraints });
      }
    } else if (m.type !== ValidationTypes.WHITELIST) return undefined;
  }
  return (object) => {
    const value = object[property];
    // A condition that fails (e.g. @IsOptional and absent) skips every rule, as class-validator does.
    if (!conditions.every((condition) => condition(object, value))) return true;
    return rules.every(
      ({ validate, constraints }) =>
        validate(value, { targetName, property, object, value, constraints }) === true,
    );
  };
}

/** The properties a class declares rules for: with `whitelist`, the only ones it accepts. */
export function ruledProperties(cls: new () => object): Set<string> {
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(cls, '', false, false, undefined);
  return new Set(Object.keys(storage.groupByPropertyName(metadatas)));
}
