/* eslint-disable @typescript-eslint/no-require-imports -- each instrumentation package is required
   only when its entry is constructed (see instrumentation-set.ts), so an unused one is never evaluated */
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { ConfigStore } from '../config/config-store.ts';
import { createFetchHooks } from '../capture/fetch-capture.ts';
import { createHttpHooks } from '../capture/http-capture.ts';
import { createMessagingHooks } from '../capture/messaging-capture.ts';
import { createCallSiteInstrumentation } from './call-site-instrumentation.ts';
import { HttpServerInstrumentation } from './http-server-instrumentation.ts';
import type { SpanRecorder } from './recording-span.ts';
import type { CatalogEntry } from './instrumentation-set.ts';
import { recordMysqlErrors } from './mysql-errors.ts';

/**
 * gRPC metadata captured as rpc.request.metadata.<key> / rpc.response.metadata.<key>. The upstream
 * instrumentation takes an allowlist only and cannot redact, so no secret-bearing key is listed.
 */
const GRPC_METADATA = ['user-agent', 'content-type', 'x-request-id', 'grpc-accept-encoding'];

/**
 * The curated instrumentation set, by configuration name (a name may have a
 * companion of ours next to the upstream one), with the packages that make
 * each one needed (`triggers`: the names of its module definitions; a test
 * keeps them in step). Each reads the live configuration in its hooks.
 */
export function instrumentationCatalog(
  config: ConfigStore,
  isExportRequest: (host: string | undefined, port: number | string | undefined) => boolean,
  /** The export pipeline for the agent's own spans (the HTTP server span); undefined while traces are off. */
  recorder: () => SpanRecorder | undefined = () => undefined,
): CatalogEntry[] {
  const http = createHttpHooks(config);
  const messaging = createMessagingHooks(config);
  const full = () => config.capture.dbStatements === 'full';
  const redisStatement = (command: string, args: unknown[]) =>
    full()
      ? [command, ...args.map(stringify)].join(' ')
      : args.length
        ? `${command} ${args.map(() => '?').join(' ')}`
        : command;

  return [
    // Built-in modules and globals: constructed at start (the runtime may have loaded them already).
    {
      name: 'http',
      triggers: [],
      make: () => {
        const { HttpInstrumentation } =
          require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
        return new HttpInstrumentation({
          enabled: false,
          // The server side is HttpServerInstrumentation's (below): the same span for less work.
          disableIncomingRequestInstrumentation: true,
          requestHook: http.requestHook,
          responseHook: http.responseHook,
          applyCustomAttributesOnSpan: http.applyCustomAttributesOnSpan,
          // The agent's own exports are never traced (the SDK also suppresses them by context).
          ignoreOutgoingRequestHook: (options) =>
            isExportRequest(options.hostname ?? options.host ?? undefined, options.port ?? undefined),
        });
      },
    },
    {
      name: 'http',
      triggers: [],
      make: () =>
        new HttpServerInstrumentation({
          config,
          recorder,
          // express's route is read when the response finishes (see http-server-exchange.ts).
          expressRoutes: () => config.current.instrumentations.express,
        }),
    },
    {
      // fetch is a global: its diagnostics channels are subscribed at start.
      name: 'undici',
      triggers: [],
      make: () => {
        const { UndiciInstrumentation } =
          require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
        // Headers and payloads (request body as undici sends it, response body as it receives it).
        return new UndiciInstrumentation({ enabled: false, ...createFetchHooks(config) });
      },
    },
    {
      name: 'fs',
      triggers: [],
      make: () => {
        const { FsInstrumentation } =
          require('@opentelemetry/instrumentation-fs') as typeof import('@opentelemetry/instrumentation-fs');
        return new FsInstrumentation({ enabled: false, requireParentSpan: true });
      },
    },
    {
      name: 'dns',
      triggers: [],
      make: () => {
        const { DnsInstrumentation } =
          require('@opentelemetry/instrumentation-dns') as typeof import('@opentelemetry/instrumentation-dns');
        return new DnsInstrumentation({ enabled: false });
      },
    },
    {
      name: 'net',
      triggers: [],
      make: () => {
        const { NetInstrumentation } =
          require('@opentelemetry/instrumentation-net') as typeof import('@opentelemetry/instrumentation-net');
        return new NetInstrumentation({ enabled: false });
      },
    },

    // Packages: constructed when the application first requires one of their triggers.
    {
      // Only for capture.expressLayerSpans: it wraps every middleware layer of every request, which
      // cost about a third of the agent's time on a trivial express route. The route itself comes
      // cheaper from the HTTP server span (above).
      name: 'express',
      triggers: ['express'],
      gate: (c) => c.capture.expressLayerSpans,
      make: () => {
        const { ExpressInstrumentation } =
          require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
        return new ExpressInstrumentation({ enabled: false });
      },
    },
    {
      name: 'fastify',
      triggers: ['fastify'],
      make: () => {
        const { FastifyOtelInstrumentation } = require('@fastify/otel') as typeof import('@fastify/otel');
        return new FastifyOtelInstrumentation({
          enabled: false,
          registerOnInitialization: true,
        }) as unknown as Instrumentation;
      },
    },
    {
      name: 'koa',
      triggers: ['koa'],
      make: () => {
        const { KoaInstrumentation } =
          require('@opentelemetry/instrumentation-koa') as typeof import('@opentelemetry/instrumentation-koa');
        return new KoaInstrumentation({ enabled: false });
      },
    },
    {
      name: 'nestjs',
      triggers: ['@nestjs/core'],
      make: () => {
        const { NestInstrumentation } =
          require('@opentelemetry/instrumentation-nestjs-core') as typeof import('@opentelemetry/instrumentation-nestjs-core');
        return new NestInstrumentation({ enabled: false });
      },
    },
    {
      name: 'grpc',
      triggers: ['@grpc/grpc-js'],
      make: () => {
        const { GrpcInstrumentation } =
          require('@opentelemetry/instrumentation-grpc') as typeof import('@opentelemetry/instrumentation-grpc');
        return new GrpcInstrumentation({
          enabled: false,
          metadataToSpanAttributes: {
            client: { requestMetadata: GRPC_METADATA, responseMetadata: GRPC_METADATA },
            server: { requestMetadata: GRPC_METADATA, responseMetadata: GRPC_METADATA },
          },
          ignoreGrpcMethods: [],
        });
      },
    },
    {
      name: 'pg',
      triggers: ['pg', 'pg-pool'],
      make: () => {
        const { PgInstrumentation } =
          require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
        return new PgInstrumentation({
          enabled: false,
          requestHook: (span, { query }) => {
            if (full() && query.values?.length)
              query.values.forEach((v, i) => span.setAttribute(`db.query.parameter.${i + 1}`, stringify(v)));
          },
        });
      },
    },
    // pool.query starts its span after an asynchronous connect: record the application's call site at the call.
    { name: 'pg', triggers: ['pg-pool'], make: () => createCallSiteInstrumentation('pg') },
    {
      name: 'mysql2',
      triggers: ['mysql2'],
      make: () => {
        const { MySQL2Instrumentation } =
          require('@opentelemetry/instrumentation-mysql2') as typeof import('@opentelemetry/instrumentation-mysql2');
        return recordMysqlErrors(new MySQL2Instrumentation({ enabled: false }), full);
      },
    },
    { name: 'mysql2', triggers: ['mysql2'], make: () => createCallSiteInstrumentation('mysql2') },
    {
      name: 'redis',
      triggers: ['redis', '@redis/client', '@node-redis/client'],
      make: () => {
        const { RedisInstrumentation } =
          require('@opentelemetry/instrumentation-redis') as typeof import('@opentelemetry/instrumentation-redis');
        return new RedisInstrumentation({ enabled: false, dbStatementSerializer: redisStatement as never });
      },
    },
    {
      name: 'ioredis',
      triggers: ['ioredis'],
      make: () => {
        const { IORedisInstrumentation } =
          require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
        return new IORedisInstrumentation({ enabled: false, dbStatementSerializer: redisStatement as never });
      },
    },
    {
      name: 'mongodb',
      triggers: ['mongodb'],
      make: () => {
        const { MongoDBInstrumentation } =
          require('@opentelemetry/instrumentation-mongodb') as typeof import('@opentelemetry/instrumentation-mongodb');
        return new MongoDBInstrumentation({ enabled: false, enhancedDatabaseReporting: false });
      },
    },
    {
      name: 'kafkajs',
      triggers: ['kafkajs'],
      make: () => {
        const { KafkaJsInstrumentation } =
          require('@opentelemetry/instrumentation-kafkajs') as typeof import('@opentelemetry/instrumentation-kafkajs');
        return new KafkaJsInstrumentation({ enabled: false, ...messaging.kafkajs });
      },
    },
    {
      name: 'amqplib',
      triggers: ['amqplib'],
      make: () => {
        const { AmqplibInstrumentation } =
          require('@opentelemetry/instrumentation-amqplib') as typeof import('@opentelemetry/instrumentation-amqplib');
        return new AmqplibInstrumentation({ enabled: false, ...(messaging.amqplib as object) });
      },
    },
    {
      name: 'pino',
      triggers: ['pino'],
      make: () => {
        const { PinoInstrumentation } =
          require('@opentelemetry/instrumentation-pino') as typeof import('@opentelemetry/instrumentation-pino');
        return new PinoInstrumentation({ enabled: false });
      },
    },
    {
      name: 'winston',
      triggers: ['winston'],
      make: () => {
        const { WinstonInstrumentation } =
          require('@opentelemetry/instrumentation-winston') as typeof import('@opentelemetry/instrumentation-winston');
        return new WinstonInstrumentation({ enabled: false });
      },
    },
    {
      name: 'bunyan',
      triggers: ['bunyan'],
      make: () => {
        const { BunyanInstrumentation } =
          require('@opentelemetry/instrumentation-bunyan') as typeof import('@opentelemetry/instrumentation-bunyan');
        return new BunyanInstrumentation({ enabled: false });
      },
    },
  ];
}

export function createRuntimeInstrumentation(): Instrumentation {
  const { RuntimeNodeInstrumentation } =
    require('@opentelemetry/instrumentation-runtime-node') as typeof import('@opentelemetry/instrumentation-runtime-node');
  return new RuntimeNodeInstrumentation({ enabled: false, monitoringPrecision: 5000 });
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
