import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { invalid, type FieldError } from '../errors/app-error';

/** Rejects unknown fields and wrong types with one 400 `validation_failed` listing every field. */
export function strictValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
