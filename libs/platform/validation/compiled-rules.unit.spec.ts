import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, IsString, ValidateNested, validateSync } from 'class-validator';
import fc from 'fast-check';
import { CloudEventEnvelope, IntegrationEventData } from '../../contracts';
import { IS_TIMESTAMP } from '../../contracts/timestamp';
import { compileRules } from './compiled-rules';
import { cloudEvent } from '../../messaging/testing/fixtures';

/** What class-validator itself says, with the options the transport validates with. */
const classValidatorAccepts = (cls: new () => object, value: object) =>
  validateSync(plainToInstance(cls, value), {
    forbidUnknownValues: true,
    whitelist: true,
    forbidNonWhitelisted: false,
  }).length === 0;

/** A valid value for each field, from the rule names on it. */
function validSample(cls: new () => object): Record<string, unknown> {
  if (cls === CloudEventEnvelope) return { ...cloudEvent('a.b.v1') };
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(cls, '', false, false);
  const sample: Record<string, unknown> = {};
  for (const m of metadatas) {
    sample[m.propertyName] =
      m.name === 'isEmail'
        ? 'ann@example.com'
        : m.name === IS_TIMESTAMP
          ? '2026-11-26T10:00:00Z'
          : (sample[m.propertyName] ?? 'id-1');
  }
  return sample;
}

/** As JSON.parse sets a key: an own property, even `__proto__`. */
const define = (object: object, key: string, value: unknown) =>
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });

const awkward = fc.oneof(
  fc.constantFrom(null, '', ' ', 0, 1, true, [], {}, '1.0', '0.3', 'application/json'),
  fc.constantFrom('not-an-email', 'a@b', '2026-13-01T00:00:00Z', '2026-11-26', 'yesterday'),
  fc.jsonValue(),
);

/** The sample with some fields removed, replaced by awkward values, or added. */
const mutations = (sample: Record<string, unknown>) =>
  fc
    .tuple(
      fc.array(
        fc.tuple(
          fc.constantFrom(...Object.keys(sample), 'extra', '__proto__'),
          fc.option(awkward, { nil: undefined }),
        ),
        { minLength: 1, maxLength: 3 },
      ),
      fc.boolean(),
    )
    .map(([changes, drop]) => {
      const value: Record<string, unknown> = { ...sample };
      for (const [key, replacement] of changes) {
        if (drop && replacement === undefined) delete value[key];
        else define(value, key, replacement);
      }
      return value;
    });

const contractClasses: Array<[string, new () => object]> = [
  ['CloudEventEnvelope', CloudEventEnvelope],
  ...Object.entries(IntegrationEventData),
];

describe('compileRules', () => {
  describe.each(contractClasses)('when compiled for %s', (_name, cls) => {
    const quick = compileRules(cls)!;

    it('runs its rules', () => {
      expect(quick).toBeInstanceOf(Function);
    });

    it('passes a valid value', () => {
      const sample = validSample(cls);
      expect(classValidatorAccepts(cls, sample)).toBe(true);
      expect(quick(sample)).toBe(true);
    });

    it('agrees with class-validator on any change to a valid value', () => {
      fc.assert(
        fc.property(mutations(validSample(cls)), (value) => {
          expect(quick(value)).toBe(classValidatorAccepts(cls, value));
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('when a class uses a rule it does not run', () => {
    it('leaves the class to class-validator', () => {
      class Inner {
        @IsString() name!: string;
      }
      class Nested {
        @ValidateNested() inner!: Inner;
      }
      class Each {
        @IsString({ each: true }) names!: string[];
      }
      class Grouped {
        @IsString({ groups: ['admin'] }) name!: string;
      }
      class Bare {
        name!: string;
      }
      for (const cls of [Nested, Each, Grouped, Bare]) expect(compileRules(cls)).toBeUndefined();
    });
  });
});
