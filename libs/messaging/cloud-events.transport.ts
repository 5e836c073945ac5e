import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import {
  BaseRpcContext,
  Server,
  type CustomTransportStrategy,
  type MessageHandler,
} from '@nestjs/microservices';
import { isObservable, lastValueFrom, throwError, type Observable } from 'rxjs';
import type { CloudEvent } from '../contracts';
import type { Broker, ConsumerHandle, DeliveryInfo } from './broker.port';
import { validateHandled } from './validation';

/** How often, and after how long, a failing handler's message is tried again by default. */
export const CONSUMER_RETRY = { maxRetries: 5, retryDelayMs: 1000 };

/**
 * Unacked messages per consumer by default. Handlers that append share the
 * store's commits, and a message is acked only after its commit, so this
 * bounds how many messages one commit can take: 200 keeps the fsync shared
 * widely without holding back much for redelivery when a process dies.
 */
export const CONSUMER_PREFETCH = 200;

export interface CloudEventsTransportOptions {
  broker: Broker;
  /** Owns the queues: one per handled type, named `<service>.<type>`. */
  service: string;
  prefetch?: number;
  maxRetries?: number;
  retryDelayMs?: number;
  /** Unset: the broker's default (30 s). */
  handlerTimeoutMs?: number;
}

/** `@Ctx()` of a CloudEvents handler: how the event was delivered. */
export class CloudEventContext extends BaseRpcContext<[DeliveryInfo]> {
  getInfo(): DeliveryInfo {
    return this.args[0];
  }
}

export const CLOUD_EVENTS_TRANSPORT = Symbol('CLOUD_EVENTS_TRANSPORT');

/**
 * Serves `@EventPattern('<type>')` handlers from the broker. Each handler
 * gets the whole CloudEvent as its payload, validated (envelope, its type,
 * and `data` when the type is in the integration contract) before it is called; a
 * rejection or error is retried, then dead-lettered, by the broker.
 */
export class CloudEventsTransport extends Server implements CustomTransportStrategy {
  override transportId = CLOUD_EVENTS_TRANSPORT;
  private handles: ConsumerHandle[] = [];
  private subscribing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: CloudEventsTransportOptions) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    this.subscribing = this.subscribe();
    this.subscribing.then(
      () => callback(),
      (error) => callback(error),
    );
  }

  /** Stops consuming and waits for the handlers in flight. */
  async close(): Promise<void> {
    this.closed = true;
    // A consumer still starting is stopped with the rest, and no later one starts.
    await this.subscribing.catch(() => undefined);
    const handles = this.handles;
    this.handles = [];
    await Promise.all(handles.map((h) => h.cancel()));
  }

  on(): never {
    throw new Error('CloudEventsTransport emits no events');
  }

  unwrap<T>(): T {
    return this.options.broker as unknown as T;
  }

  private async subscribe(): Promise<void> {
    const {
      broker,
      service,
      prefetch = CONSUMER_PREFETCH,
      maxRetries = CONSUMER_RETRY.maxRetries,
      retryDelayMs = CONSUMER_RETRY.retryDelayMs,
      handlerTimeoutMs,
    } = this.options;
    for (const [type, handler] of this.getHandlers()) {
      if (this.closed) return;
      if (!handler.isEventHandler || type.startsWith('{')) {
        throw new Error(`${type}: only @EventPattern('<cloud event type>') handlers are served`);
      }
      this.handles.push(
        await broker.consume({
          queue: `${service}.${type}`,
          bindingKeys: [type],
          prefetch,
          maxRetries,
          retryDelayMs,
          handlerTimeoutMs,
          // The broker checks the envelope of every message; this adds the type and its `data`.
          validate: (body) => validateHandled(type, body),
          handle: (event, info) => this.dispatch(handler, event, info),
        }),
      );
    }
  }

  private async dispatch(handler: MessageHandler, event: CloudEvent, info: DeliveryInfo) {
    // Nest turns a thrown error into an erroring Observable; awaiting it makes it a rejection.
    const result: unknown = await handler(event, new CloudEventContext([info]));
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
  }
}

/**
 * Lets a handler's own error reach the broker, so the dead-letter reason names
 * it instead of Nest's generic "Internal server error". Register with
 * `app.useGlobalFilters(new RethrowRpcErrors())` on the microservice.
 */
@Catch()
export class RethrowRpcErrors implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
