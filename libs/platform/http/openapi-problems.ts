import type {
  OpenAPIObject,
  OperationObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { SHUTTING_DOWN } from './api-responses';

const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'RFC 9457 problem details; `code` is stable and machine-readable.',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    errors: {
      type: 'array',
      description: 'On 400: what is wrong with which field.',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

const RETRY_AFTER = {
  'Retry-After': {
    description: 'Seconds to wait before trying again.',
    schema: { type: 'integer' },
  },
};

/** Answers every route can give, whatever its controller says; each route's own description wins. */
const COMMON: Record<string, string> = {
  '400': '`validation_failed` (with `errors`), or another malformed request',
  '503': SHUTTING_DOWN,
};
const AUTHENTICATED: Record<string, string> = {
  '401': '`unauthenticated` (no bearer token) or `invalid_access_token`',
};
const WITH_BODY: Record<string, string> = {
  '413': '`payload_too_large`',
  '415': '`unsupported_media_type`: the body must be `application/json`, uncompressed, in UTF-8',
};

/**
 * Completes the generated document with what the HTTP layer answers on every
 * route (malformed requests, a missing or refused token, a body of the wrong
 * size or type, a stop in progress), and gives every error answer its
 * problem+json schema, so a client generated from it handles them all.
 */
export function withProblemAnswers(document: OpenAPIObject): OpenAPIObject {
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, Problem: PROBLEM_SCHEMA },
  };
  for (const path of Object.values(document.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const operation = path[method];
      if (operation) completeAnswers(operation);
    }
  }
  return document;
}

function completeAnswers(operation: OperationObject): void {
  const added = {
    ...COMMON,
    ...(operation.security?.length ? AUTHENTICATED : {}),
    ...(operation.requestBody ? WITH_BODY : {}),
  };
  const responses = operation.responses;
  for (const [status, description] of Object.entries(added)) {
    responses[status] ??= { description };
  }
  for (const [status, response] of Object.entries(responses)) {
    if (Number(status) < 400 || !response || '$ref' in response) continue;
    const answer = response as ResponseObject;
    answer.content = {
      'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
    };
    if (status === '429' || status === '503')
      answer.headers = { ...answer.headers, ...RETRY_AFTER };
  }
}
