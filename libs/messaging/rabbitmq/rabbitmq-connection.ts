import { connect, type AmqpConnectionManager } from 'amqp-connection-manager';
import { channelErrorRecovery, type WatchChannel } from './channel-error-recovery';

/**
 * What a connection is for. RabbitMQ blocks a connection that publishes
 * during a memory or disk alarm, reading nothing more from it, acks included:
 * consumers on a connection of their own go on acking, and so draining queues.
 */
export type ConnectionRole = 'publish' | 'consume';

export interface RoleConnection {
  manager: AmqpConnectionManager;
  /** Recovers a channel of this connection that RabbitMQ closes, by recycling this connection alone. */
  watchChannel: WatchChannel;
}

export interface ConnectionSettings {
  url: string;
  /** The URL as logged, credentials hidden. */
  shownUrl: string;
  heartbeatIntervalInSeconds: number;
  reconnectTimeInSeconds: number;
  log: (message: string) => void;
  /** A refusal: a setting to fix, told at error level where the log has one. */
  logError?: (message: string) => void;
  isClosed: () => boolean;
}

/** What the connections of one broker have said of an outage, so it is said once, not once each. */
export interface OutageNotes {
  told?: 'refused' | 'unreachable';
}

const waiting: Record<ConnectionRole, string> = {
  publish: 'publishes, and consumers’ retry and dead-letter copies, wait until it clears',
  consume: 'acks wait until it clears',
};

/** The longest wait between two connections the broker refused. */
const MAX_REFUSED_WAIT_S = 30;

/** Opens (in the background) and watches one of a broker's connections. */
export function openConnection(
  role: ConnectionRole,
  settings: ConnectionSettings,
  outage: OutageNotes,
): RoleConnection {
  const { url, shownUrl, log, logError, isClosed } = settings;
  const manager = connect([url], {
    heartbeatIntervalInSeconds: settings.heartbeatIntervalInSeconds,
    reconnectTimeInSeconds: settings.reconnectTimeInSeconds,
    connectionOptions: { clientProperties: { connection_name: role } },
  });
  const name = `RabbitMQ (${role})`;
  let down = false;
  // A refusal does not clear by itself: asked every second, a wrong password was 2 failed logins a
  // second per instance in the broker's log, enough to trip brute-force alerts. An unreachable
  // broker is asked at the set pace, so a service is back soon after it is.
  let refusals = 0;
  const base = settings.reconnectTimeInSeconds;
  manager.on('connect', () => {
    if (down) log(`${name} reconnected to ${shownUrl}`);
    down = false;
    outage.told = undefined;
    refusals = 0;
    manager.reconnectTimeInSeconds = base;
  });
  manager.on('disconnect', ({ err }: { err?: Error }) => {
    if (!isClosed()) log(`${name} disconnected: ${err?.message ?? 'unknown reason'}`);
    down = true;
  });
  manager.on('blocked', ({ reason }: { reason: string }) =>
    log(`${name} blocked the connection (${reason}); ${waiting[role]}`),
  );
  manager.on('unblocked', () => log(`${name} unblocked the connection`));
  manager.on('connectFailed', ({ err }: { err: Error }) => {
    // Once per outage and kind for both connections: retries run every reconnectTimeInSeconds,
    // and a broker that comes back refusing (a password changed meanwhile) is a setting to fix.
    const failure = connectFailure(shownUrl, err);
    const kind = failure.startsWith('RABBITMQ_URL') ? 'refused' : 'unreachable';
    refusals = kind === 'refused' ? refusals + 1 : 0;
    manager.reconnectTimeInSeconds = Math.min(MAX_REFUSED_WAIT_S, base * 2 ** refusals);
    if (outage.told !== kind) {
      if (kind === 'refused')
        (logError ?? log)(`${failure}; retrying, up to every ${MAX_REFUSED_WAIT_S} s`);
      else log(`${failure}; retrying`);
    }
    down = true;
    outage.told = kind;
  });
  return { manager, watchChannel: channelErrorRecovery(manager, log) };
}

/**
 * Why a connection failed, in words an operator can act on. A broker that
 * answered and refused is a setting to fix (`RABBITMQ_URL`), not an outage to
 * wait out: amqplib says only "Expected ConnectionOpenOk" for a virtual host
 * the broker lacks or the user may not use.
 */
function connectFailure(url: string, err: Error): string {
  if (/ACCESS.REFUSED/.test(err.message)) {
    return `RABBITMQ_URL: the broker at ${url} refused the user name or password (${err.message})`;
  }
  if (/Expected ConnectionOpenOk; got <ConnectionClose/.test(err.message)) {
    return `RABBITMQ_URL: the broker at ${url} refused to open the connection: a virtual host it lacks, a user not allowed on it, or a connection limit (its log says which)`;
  }
  return `RabbitMQ unreachable at ${url}: ${err.message}`;
}
