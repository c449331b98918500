import { connect } from 'node:net';

/**
 * Real backing services (PostgreSQL, MySQL, Redis, RabbitMQ, Kafka) for tests: the private
 * instances that infra/start.sh runs on loopback (docs/infra.md), or whatever the
 * SPYGLASS_* variables of infra/env.sh point at. Like requirePeer(), a service that does
 * not answer makes the test skip with a loud message on a developer's machine, and is a
 * failure under SPYGLASS_REQUIRE_PEERS=1 (CI).
 *
 *   const kafka = await backingService('kafka');
 *   test('...', { skip: kafka.skip }, async () => { use(kafka.url); });
 */
export type BackingServiceName = 'postgres' | 'mysql' | 'redis' | 'rabbitmq' | 'kafka';

export interface BackingService {
  name: BackingServiceName;
  /** The connection URL (for kafka: the bootstrap brokers list, host:port[,host:port]). */
  url: string;
  /** The address that was checked (for kafka: the first broker). */
  host: string;
  port: number;
  available: boolean;
  skip: string | false;
}

const SERVICES: Record<BackingServiceName, { env: string; fallback: string }> = {
  postgres: { env: 'SPYGLASS_PG_URL', fallback: 'postgres://spyglass:spyglass@127.0.0.1:55432/spyglass' },
  mysql: { env: 'SPYGLASS_MYSQL_URL', fallback: 'mysql://spyglass:spyglass@127.0.0.1:53306/spyglass' },
  redis: { env: 'SPYGLASS_REDIS_URL', fallback: 'redis://127.0.0.1:56379' },
  rabbitmq: { env: 'SPYGLASS_AMQP_URL', fallback: 'amqp://spyglass:spyglass@127.0.0.1:55672' },
  kafka: { env: 'SPYGLASS_KAFKA_BROKERS', fallback: '127.0.0.1:59092' },
};

const DEFAULT_PORTS: Record<BackingServiceName, number> = {
  postgres: 5432,
  mysql: 3306,
  redis: 6379,
  rabbitmq: 5672,
  kafka: 9092,
};

/** The configured URL of a service: its SPYGLASS_* variable, else infra/start.sh's instance. */
export function backingServiceUrl(name: BackingServiceName): string {
  const { env, fallback } = SERVICES[name];
  const value = process.env[env]?.trim();
  return value ? value : fallback;
}

function address(name: BackingServiceName, url: string): { host: string; port: number } {
  if (name === 'kafka') {
    const first = url.split(',')[0]?.trim() ?? '';
    const parsed = new URL(`kafka://${first}`);
    return { host: parsed.hostname, port: Number(parsed.port || DEFAULT_PORTS.kafka) };
  }
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || DEFAULT_PORTS[name]) };
}

/** Resolves true when host:port accepts a TCP connection within timeoutMs. */
export function portAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: host.replace(/^\[|\]$/g, ''), port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Finds a backing service: resolves with its URL and `skip: false` when its port answers;
 * otherwise prints a loud message and resolves with `skip` set to it, or rejects when
 * SPYGLASS_REQUIRE_PEERS=1.
 */
export async function backingService(name: BackingServiceName): Promise<BackingService> {
  const url = backingServiceUrl(name);
  let host = '';
  let port = 0;
  let available = false;
  try {
    ({ host, port } = address(name, url));
    available = await portAnswers(host, port);
  } catch {
    available = false;
  }
  if (available) return { name, url, host, port, available, skip: false };
  const where = `${host || '?'}:${port || '?'} (${SERVICES[name].env}=${url})`;
  const howTo = `start it with: bash infra/install.sh && bash infra/start.sh ${name}`;
  if (process.env.SPYGLASS_REQUIRE_PEERS === '1') {
    throw new Error(
      `required backing service "${name}" does not answer at ${where} (SPYGLASS_REQUIRE_PEERS=1); ${howTo}`,
    );
  }
  const message = `SKIPPED: backing service "${name}" does not answer at ${where}; ${howTo}`;
  process.stderr.write(`\n*** ${message} ***\n\n`);
  return { name, url, host, port, available, skip: message };
}
