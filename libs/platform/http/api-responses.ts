import { ApiServiceUnavailableResponse } from '@nestjs/swagger';

export const EVENT_STORE_UNAVAILABLE =
  '`event_store_unavailable`: the event store cannot be reached; retry after `Retry-After`';

/** On a controller whose routes read or write the event store: the 503 each can answer. */
export const ApiEventStoreUnavailable = (...more: string[]) =>
  ApiServiceUnavailableResponse({ description: [...more, EVENT_STORE_UNAVAILABLE].join('; or ') });
