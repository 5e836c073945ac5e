import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsEmail, IsInt, IsNotEmpty, IsOptional, IsString, Max, Min } from 'class-validator';
import fc from 'fast-check';
import { AppError } from '../errors/app-error';
import { MAX_UNKNOWN_FIELDS, strictValidationPipe } from './validation.pipe';

class Invite {
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsEmail()
  email!: string;

  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @IsNotEmpty()
  name!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(30)
  days?: number;
}

const body: ArgumentMetadata = { type: 'body', metatype: Invite };
const quick = strictValidationPipe();
/** Nest's own pipe with the same options: what the quick path must agree with. */
const full = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  stopAtFirstError: false,
  exceptionFactory: (errors) => errors.map((e) => e.property).sort(),
});

/** The value a pipe returns, or the fields it refuses. */
const outcome = async (pipe: ValidationPipe, value: unknown) => {
  try {
    return { ok: JSON.parse(JSON.stringify(await pipe.transform(value, body))) };
  } catch (error) {
    const fields =
      error instanceof AppError
        ? [...new Set((error.errors ?? []).map((e) => e.field))].sort()
        : error;
    return { refused: fields };
  }
};

describe('strictValidationPipe', () => {
  describe('when the body is valid', () => {
    it('answers the class instance with its transforms applied, without class-validator', async () => {
      const validate = jest.spyOn(ValidationPipe.prototype as never, 'validate');
      const result = await quick.transform({ email: ' Ann@Example.com ', name: ' Ann ' }, body);
      expect(result).toBeInstanceOf(Invite);
      expect(result).toEqual({ email: 'ann@example.com', name: 'Ann' });
      expect(validate).not.toHaveBeenCalled();
      validate.mockRestore();
    });
  });

  describe('when the body has an unknown field or a bad one', () => {
    it('refuses with validation_failed naming each field', async () => {
      const value = { email: 'nope', name: 'Ann', days: 31, admin: true };
      await expect(quick.transform(value, body)).rejects.toMatchObject({
        code: 'validation_failed',
        errors: expect.arrayContaining([
          expect.objectContaining({ field: 'email' }),
          expect.objectContaining({ field: 'days' }),
          expect.objectContaining({ field: 'admin' }),
        ]),
      });
    });
  });

  describe('when the body is not a JSON object', () => {
    it('refuses it with one error, without class-validator', async () => {
      const validate = jest.spyOn(ValidationPipe.prototype as never, 'validate');
      for (const value of [Array(5000).fill({}), [], 'ann@example.com', 42, true]) {
        await expect(quick.transform(value, body)).rejects.toMatchObject({
          code: 'validation_failed',
          errors: [{ field: 'body', message: 'must be a JSON object' }],
        });
      }
      expect(validate).not.toHaveBeenCalled();
      validate.mockRestore();
    });
  });

  describe('when there is no body', () => {
    it('judges it as an empty object', async () => {
      expect(await outcome(quick, undefined)).toEqual({ refused: ['email', 'name'] });
      expect(await outcome(quick, null)).toEqual({ refused: ['email', 'name'] });
    });
  });

  describe('when a value has more unknown fields than are named one by one', () => {
    it.each(['body', 'query'] as const)(
      'names the first ones in the %s and counts the rest, without class-validator',
      async (type) => {
        const validate = jest.spyOn(ValidationPipe.prototype as never, 'validate');
        const value = {
          email: 'nope',
          ...Object.fromEntries([...Array(5000)].map((_, i) => [`k${i}`, 1])),
        };
        const refusal = quick.transform(value, { type, metatype: Invite });
        await expect(refusal).rejects.toMatchObject({
          code: 'validation_failed',
          errors: [
            ...[...Array(MAX_UNKNOWN_FIELDS)].map((_, i) => ({
              field: `k${i}`,
              message: `property k${i} should not exist`,
            })),
            { field: type, message: '4980 more unknown properties should not exist' },
          ],
        });
        expect(validate).not.toHaveBeenCalled();
        validate.mockRestore();
      },
    );
  });

  describe('when an unknown field is named like an Object.prototype member', () => {
    it('refuses it, with the other fields’ reasons', async () => {
      for (const name of ['toString', 'valueOf', 'hasOwnProperty', '__lookupGetter__']) {
        const value = { email: 'ann@example.com', name: 'Ann', [name]: 'x' };
        expect(await outcome(quick, value)).toEqual({ refused: [name] });
      }
      const alsoBad = { email: 'nope', name: 'Ann', constructor: 'x' };
      expect(await outcome(quick, alsoBad)).toEqual({ refused: ['constructor', 'email'] });
    });
  });

  describe('when compared with Nest’s ValidationPipe on any body', () => {
    it('accepts and refuses exactly the same, with the same result', async () => {
      const field = fc.oneof(
        fc.string(),
        fc.emailAddress(),
        fc.integer({ min: -5, max: 40 }),
        fc.constant(null),
        fc.boolean(),
      );
      const bodies = fc.record(
        { email: field, name: field, days: field, extra: field },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(bodies, async (value) => {
          expect(await outcome(quick, value)).toEqual(await outcome(full, value));
        }),
        { numRuns: 300 },
      );
    });
  });
});
