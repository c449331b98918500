import type { Span } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { KoaInstrumentation } from '@opentelemetry/instrumentation-koa';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { RedisInstrumentation } from '@opentelemetry/instrumentation-redis';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { WinstonInstrumentation } from '@opentelemetry/instrumentation-winston';
import { BunyanInstrumentation } from '@opentelemetry/instrumentation-bunyan';
import { FsInstrumentation } from '@opentelemetry/instrumentation-fs';
import { DnsInstrumentation } from '@opentelemetry/instrumentation-dns';
import { NetInstrumentation } from '@opentelemetry/instrumentation-net';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { InstrumentationName } from '../config/config-constants.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import type { ConfigStore } from '../config/config-store.ts';
import { headerAttributes, undiciHeaders } from '../capture/header-capture.ts';
import { createHttpHooks } from '../capture/http-capture.ts';
import { createCallSiteInstrumentation } from './call-site-instrumentation.ts';
import { HttpServerInstrumentation } from './http-server-instrumentation.ts';
import { recordMysqlErrors } from './mysql-errors.ts';
import { createMessagingHooks } from '../capture/messaging-capture.ts';

/**
 * gRPC metadata captured as rpc.request.metadata.<key> / rpc.response.metadata.<key>. The upstream
 * instrumentation takes an allowlist only and cannot redact, so no secret-bearing key is listed.
 */
const GRPC_METADATA = ['user-agent', 'content-type', 'x-request-id', 'grpc-accept-encoding'];

/**
 * The curated instrumentation set, by configuration name (a name may have a
 * companion of ours next to the upstream one). Each reads the live
 * configuration in its hooks; `enabled` follows `instrumentations.<name>`
 * (the caller enables and disables them when the configuration changes).
 */
export function createInstrumentations(
  config: ConfigStore,
  isExportRequest: (host: string | undefined, port: number | string | undefined) => boolean,
): Map<InstrumentationName, Instrumentation[]> {
  const http = createHttpHooks(config);
  const messaging = createMessagingHooks(config);
  const full = () => config.capture.dbStatements === 'full';
  const set = new Map<InstrumentationName, Instrumentation[]>();
  const add = (name: InstrumentationName, make: () => Instrumentation, gate?: Gate) => {
    try {
      const list = set.get(name) ?? [];
      const instrumentation = make();
      if (gate) (instrumentation as Gated)[GATE] = gate;
      list.push(instrumentation);
      set.set(name, list);
    } catch {
      // an instrumentation that fails to construct is skipped; the others still work
    }
  };
  add(
    'http',
    () =>
      new HttpInstrumentation({
        enabled: false,
        // The server side is HttpServerInstrumentation's (below): the same span for less work.
        disableIncomingRequestInstrumentation: true,
        requestHook: http.requestHook,
        responseHook: http.responseHook,
        applyCustomAttributesOnSpan: http.applyCustomAttributesOnSpan,
        // The agent's own exports are never traced (the SDK also suppresses them by context).
        ignoreOutgoingRequestHook: (options) =>
          isExportRequest(options.hostname ?? options.host ?? undefined, options.port ?? undefined),
      }),
  );
  add(
    'http',
    () =>
      new HttpServerInstrumentation({
        ...http,
        // express's route is read when the response finishes (see http-server-instrumentation.ts).
        expressRoutes: () => config.current.instrumentations.express,
      }),
  );
  add(
    'undici',
    () =>
      new UndiciInstrumentation({
        enabled: false,
        requestHook: (span: Span, request) => {
          const attributes = {};
          headerAttributes('request', undiciHeaders(request.headers), config.capture.headers, attributes);
          span.setAttributes(attributes);
        },
        responseHook: (span: Span, { response }) => {
          const attributes = {};
          headerAttributes('response', undiciHeaders(response.headers), config.capture.headers, attributes);
          span.setAttributes(attributes);
        },
      }),
  );
  // Only for capture.expressLayerSpans: it wraps every middleware layer of every request, which cost
  // about a third of the agent's time on a trivial express route. The route itself comes cheaper
  // from the HTTP server span (above).
  add(
    'express',
    () => new ExpressInstrumentation({ enabled: false }),
    (c) => c.capture.expressLayerSpans,
  );
  add(
    'fastify',
    () =>
      new FastifyOtelInstrumentation({
        enabled: false,
        registerOnInitialization: true,
      }) as unknown as Instrumentation,
  );
  add('koa', () => new KoaInstrumentation({ enabled: false }));
  add('nestjs', () => new NestInstrumentation({ enabled: false }));
  add(
    'grpc',
    () =>
      new GrpcInstrumentation({
        enabled: false,
        metadataToSpanAttributes: {
          client: { requestMetadata: GRPC_METADATA, responseMetadata: GRPC_METADATA },
          server: { requestMetadata: GRPC_METADATA, responseMetadata: GRPC_METADATA },
        },
        ignoreGrpcMethods: [],
      }),
  );
  add(
    'pg',
    () =>
      new PgInstrumentation({
        enabled: false,
        requestHook: (span, { query }) => {
          if (full() && query.values?.length)
            query.values.forEach((v, i) => span.setAttribute(`db.query.parameter.${i + 1}`, stringify(v)));
        },
      }),
  );
  // pool.query starts its span after an asynchronous connect: record the application's call site at the call.
  add('pg', () => createCallSiteInstrumentation('pg'));
  add('mysql2', () => recordMysqlErrors(new MySQL2Instrumentation({ enabled: false }), full));
  add('mysql2', () => createCallSiteInstrumentation('mysql2'));
  const redisStatement = (command: string, args: unknown[]) =>
    full()
      ? [command, ...args.map(stringify)].join(' ')
      : args.length
        ? `${command} ${args.map(() => '?').join(' ')}`
        : command;
  add(
    'redis',
    () => new RedisInstrumentation({ enabled: false, dbStatementSerializer: redisStatement as never }),
  );
  add(
    'ioredis',
    () => new IORedisInstrumentation({ enabled: false, dbStatementSerializer: redisStatement as never }),
  );
  add('mongodb', () => new MongoDBInstrumentation({ enabled: false, enhancedDatabaseReporting: false }));
  add('kafkajs', () => new KafkaJsInstrumentation({ enabled: false, ...messaging.kafkajs }));
  add('amqplib', () => new AmqplibInstrumentation({ enabled: false, ...(messaging.amqplib as object) }));
  add('pino', () => new PinoInstrumentation({ enabled: false }));
  add('winston', () => new WinstonInstrumentation({ enabled: false }));
  add('bunyan', () => new BunyanInstrumentation({ enabled: false }));
  add('fs', () => new FsInstrumentation({ enabled: false, requireParentSpan: true }));
  add('dns', () => new DnsInstrumentation({ enabled: false }));
  add('net', () => new NetInstrumentation({ enabled: false }));
  return set;
}

/** An extra condition for an instrumentation to run, besides `instrumentations.<name>`. */
export type Gate = (config: AgentConfig) => boolean;
const GATE = Symbol('spyglass.gate');
type Gated = Instrumentation & { [GATE]?: Gate };

/** Whether an instrumentation's own condition (if any) holds for a configuration. */
export function gateAllows(instrumentation: Instrumentation, config: AgentConfig): boolean {
  return (instrumentation as Gated)[GATE]?.(config) ?? true;
}

export function createRuntimeInstrumentation(): Instrumentation {
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
