import { ApiConflictResponse, ApiServiceUnavailableResponse } from '@nestjs/swagger';

/** Why a route answers 503, by code; each such answer carries `Retry-After`. */
const UNAVAILABLE = {
  rate_limits_unavailable: 'the shared rate-limit counters cannot be reached',
  event_store_unavailable: 'the event store cannot be reached',
  read_models_unavailable: 'the read models cannot be reached',
  projection_lagging: 'the read models have not reached `X-Min-Position` in time',
  auth_unavailable: "identity's signing keys cannot be fetched to check the token",
} as const;

/** Any route's, for a request that arrives as the service stops. */
export const SHUTTING_DOWN =
  '`shutting_down`: the service is stopping; another instance may answer';

/** Documents the 503s a route (or every route of a controller) can answer. */
export const ApiUnavailable = (...codes: Array<keyof typeof UNAVAILABLE>) => {
  const reasons = [...codes.map((code) => `\`${code}\`: ${UNAVAILABLE[code]}`), SHUTTING_DOWN];
  return ApiServiceUnavailableResponse({
    description: `${reasons.join('; ')}; retry after \`Retry-After\``,
  });
};

const CONCURRENT_UPDATE =
  '`concurrent_update`: other requests kept changing the same records; retry after `Retry-After`';

/** Documents a command route's 409s: its own refusals, and the one any command can meet under contention. */
export const ApiConflicts = (...refusals: string[]) =>
  ApiConflictResponse({ description: [...refusals, CONCURRENT_UPDATE].join('; or ') });
