'use strict';
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __export = (target, all) => {
  for (var name in all) __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if ((from && typeof from === 'object') || typeof from === 'function') {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, {
          get: () => from[key],
          enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable,
        });
  }
  return to;
};
var __toCommonJS = (mod) => __copyProps(__defProp({}, '__esModule', { value: true }), mod);

// packages/agent/src/agent-main.ts
var agent_main_exports = {};
__export(agent_main_exports, {
  AGENT_HANDLE: () => AGENT_HANDLE,
  isToolProcess: () => isToolProcess,
  startFromEnvironment: () => startFromEnvironment,
});
module.exports = __toCommonJS(agent_main_exports);
var import_node_fs3 = require('node:fs');
var import_node_path3 = require('node:path');
var import_api3 = require('@opentelemetry/api');

// packages/agent/src/config/agent-config.ts
var import_zod = require('zod');
var INSTRUMENTATION_DEFAULTS = {
  http: true,
  undici: true,
  express: true,
  fastify: true,
  koa: true,
  nestjs: true,
  grpc: true,
  pg: true,
  mysql2: true,
  redis: true,
  ioredis: true,
  mongodb: true,
  kafkajs: true,
  amqplib: true,
  pino: true,
  winston: true,
  bunyan: true,
  fs: false,
  dns: false,
  net: false,
};
var INSTRUMENTATION_NAMES = Object.keys(INSTRUMENTATION_DEFAULTS);
var ALWAYS_REDACTED_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
  'x-access-token',
  'x-csrf-token',
  'x-xsrf-token',
  'x-amz-security-token',
];
var instrumentationsSchema = import_zod.z
  .object(
    Object.fromEntries(
      INSTRUMENTATION_NAMES.map((n) => [n, import_zod.z.boolean().default(INSTRUMENTATION_DEFAULTS[n])]),
    ),
  )
  .strict();
var captureSchema = import_zod.z
  .object({
    headers: import_zod.z
      .object({
        /** all: every header (secrets redacted); allowlist: only `allowlist`; off: none. */
        mode: import_zod.z.enum(['all', 'allowlist', 'off']).default('all'),
        allowlist: import_zod.z
          .array(import_zod.z.string().min(1))
          .default(['content-type', 'content-length', 'user-agent', 'accept', 'x-request-id', 'traceparent']),
        /** Extra header names to redact, on top of ALWAYS_REDACTED_HEADERS and names that look secret. */
        redact: import_zod.z.array(import_zod.z.string().min(1)).default([]),
      })
      .strict()
      .prefault({}),
    payloads: import_zod.z
      .object({
        enabled: import_zod.z.boolean().default(true),
        maxBytes: import_zod.z.number().int().min(0).max(1048576).default(4096),
        /** Content types captured (prefix match; `text/` matches every text type). */
        contentTypes: import_zod.z
          .array(import_zod.z.string().min(1))
          .default([
            'application/json',
            'application/x-www-form-urlencoded',
            'application/xml',
            'application/graphql',
            'text/',
          ]),
      })
      .strict()
      .prefault({}),
    messagingPayloads: import_zod.z
      .object({
        enabled: import_zod.z.boolean().default(true),
        maxBytes: import_zod.z.number().int().min(0).max(1048576).default(4096),
      })
      .strict()
      .prefault({}),
    /** sanitized: literals replaced by `?`; full: the statement as run, with its parameters; off: dropped. */
    dbStatements: import_zod.z.enum(['sanitized', 'full', 'off']).default('sanitized'),
    /** code.function.name / code.file.path / code.line.number of the application code that started a span. */
    codeAttributes: import_zod.z.boolean().default(true),
    stackTraces: import_zod.z
      .object({
        onError: import_zod.z.boolean().default(true),
        /** Also on spans slower than this (ms); 0 = off. */
        slowSpanMs: import_zod.z.number().min(0).default(0),
      })
      .strict()
      .prefault({}),
  })
  .strict();
var agentConfigSchema = import_zod.z
  .object({
    enabled: import_zod.z.boolean().default(true),
    serviceName: import_zod.z.string().min(1).optional(),
    /** OTLP/HTTP base URL of the gateway; /v1/traces, /v1/logs, /v1/metrics are appended. */
    endpoint: import_zod.z.string().url().default('http://127.0.0.1:4318'),
    /** Extra export headers (an API key: { authorization: 'Bearer ...' }). */
    headers: import_zod.z.record(import_zod.z.string(), import_zod.z.string()).default({}),
    signals: import_zod.z
      .object({
        traces: import_zod.z.boolean().default(true),
        logs: import_zod.z.boolean().default(true),
        metrics: import_zod.z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** Head sampling: the share of new traces kept (children follow their parent's decision). */
    sampling: import_zod.z
      .object({ ratio: import_zod.z.number().min(0).max(1).default(1) })
      .strict()
      .prefault({}),
    instrumentations: instrumentationsSchema.prefault({}),
    capture: captureSchema.prefault({}),
    logs: import_zod.z
      .object({ console: import_zod.z.boolean().default(true) })
      .strict()
      .prefault({}),
    metrics: import_zod.z
      .object({
        runtime: import_zod.z.boolean().default(true),
        intervalMs: import_zod.z.number().int().min(1e3).default(15e3),
      })
      .strict()
      .prefault({}),
    /** Bounds of the in-memory buffer: when the gateway is down, spans beyond it are dropped and counted. */
    export: import_zod.z
      .object({
        maxQueueSize: import_zod.z.number().int().min(64).default(4096),
        maxBatchSize: import_zod.z.number().int().min(1).default(512),
        scheduledDelayMs: import_zod.z.number().int().min(50).default(1e3),
        timeoutMs: import_zod.z.number().int().min(100).default(1e4),
      })
      .strict()
      .prefault({}),
    /** Per-service overrides of `capture`, keyed by service.name (for a config shared by many services). */
    services: import_zod.z
      .record(
        import_zod.z.string(),
        import_zod.z
          .object({ capture: import_zod.z.record(import_zod.z.string(), import_zod.z.unknown()).optional() })
          .strict(),
      )
      .default({}),
  })
  .strict();
var AgentConfigError = class extends Error {
  constructor(issues) {
    super(`Invalid agent configuration: ${issues.join('; ')}`);
    this.issues = issues;
    this.name = 'AgentConfigError';
  }
  issues;
};
function parseAgentConfig(input) {
  const result = agentConfigSchema.safeParse(input ?? {});
  if (!result.success) throw new AgentConfigError(result.error.issues.map(describeIssue));
  const config = result.data;
  const issues = [];
  for (const [service, { capture }] of Object.entries(config.services)) {
    if (!capture) continue;
    const merged = captureSchema.safeParse(deepMerge(config.capture, capture));
    if (merged.success) effectiveCapture.set(capture, merged.data);
    else
      issues.push(
        ...merged.error.issues.map((i) =>
          describeIssue({ ...i, path: ['services', service, 'capture', ...i.path] }),
        ),
      );
  }
  if (issues.length > 0) throw new AgentConfigError(issues);
  return config;
}
function captureFor(config, serviceName) {
  const override = config.services[serviceName]?.capture;
  return (override && effectiveCapture.get(override)) ?? config.capture;
}
var effectiveCapture = /* @__PURE__ */ new WeakMap();
function describeIssue(issue) {
  return `${issue.path.length ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`;
}
function deepMerge(base, override) {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = deepMerge(base[k], v);
  return out;
}
function isPlainObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// packages/agent/src/config/config-from-env.ts
var import_node_fs = require('node:fs');
function configInputFromEnv(env) {
  const file = env['SPYGLASS_AGENT_CONFIG'];
  const input = file ? readConfigFile(file) : {};
  const serviceName = env['SPYGLASS_SERVICE_NAME'] || env['OTEL_SERVICE_NAME'];
  if (serviceName) input.serviceName = serviceName;
  const endpoint = env['SPYGLASS_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (endpoint) input.endpoint = endpoint.replace(/\/+$/, '');
  const headers = { ...parseOtlpHeaders(env['OTEL_EXPORTER_OTLP_HEADERS']), ...input.headers };
  if (env['SPYGLASS_API_KEY']) headers['authorization'] = `Bearer ${env['SPYGLASS_API_KEY']}`;
  input.headers = headers;
  if (env['SPYGLASS_AGENT_DISABLED'] === '1' || env['OTEL_SDK_DISABLED'] === 'true') input.enabled = false;
  return input;
}
function readConfigFile(path) {
  let text;
  try {
    text = (0, import_node_fs.readFileSync)(path, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read the agent config file ${path}: ${err.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`The agent config file ${path} is not valid JSON: ${err.message}`);
  }
}
function parseOtlpHeaders(text) {
  const out = {};
  for (const part of (text ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    try {
      out[part.slice(0, eq).trim().toLowerCase()] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {}
  }
  return out;
}

// packages/agent/src/start-agent.ts
var import_api2 = require('@opentelemetry/api');
var import_api_logs2 = require('@opentelemetry/api-logs');
var import_core2 = require('@opentelemetry/core');
var import_exporter_trace_otlp_proto = require('@opentelemetry/exporter-trace-otlp-proto');
var import_exporter_logs_otlp_proto = require('@opentelemetry/exporter-logs-otlp-proto');
var import_exporter_metrics_otlp_proto = require('@opentelemetry/exporter-metrics-otlp-proto');
var import_sdk_logs = require('@opentelemetry/sdk-logs');
var import_sdk_metrics = require('@opentelemetry/sdk-metrics');
var import_sdk_trace_node = require('@opentelemetry/sdk-trace-node');
var import_context_async_hooks = require('@opentelemetry/context-async-hooks');

// packages/agent/src/config/config-store.ts
var ConfigStore = class {
  constructor(initial, serviceName) {
    this.serviceName = serviceName;
    this.#current = initial;
    this.#capture = captureFor(initial, serviceName);
  }
  serviceName;
  #current;
  #capture;
  #listeners = /* @__PURE__ */ new Set();
  get current() {
    return this.#current;
  }
  /** The capture rules of this process's service (read on every hook call: keep it cheap). */
  get capture() {
    return this.#capture;
  }
  /** Validates and installs a whole new configuration; throws AgentConfigError and keeps the old one if invalid. */
  replace(input) {
    const next = parseAgentConfig(input);
    const previous = this.#current;
    this.#current = next;
    this.#capture = captureFor(next, this.serviceName);
    for (const listener of this.#listeners) {
      try {
        listener(next, previous);
      } catch {}
    }
    return next;
  }
  subscribe(listener) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
};

// packages/agent/src/processors/code-context-processor.ts
var import_api = require('@opentelemetry/api');

// packages/agent/src/processors/call-site.ts
var import_node_path = require('node:path');
var MAX_FRAMES = 32;
var AGENT_DIR = `${import_node_path.sep}packages${import_node_path.sep}agent${import_node_path.sep}`;
var NODE_MODULES = `${import_node_path.sep}node_modules${import_node_path.sep}`;
function captureFrames(skip) {
  const holder = {};
  const previousLimit = Error.stackTraceLimit;
  const previousPrepare = Error.prepareStackTrace;
  try {
    Error.stackTraceLimit = MAX_FRAMES;
    Error.prepareStackTrace = (_error, frames) => frames;
    Error.captureStackTrace(holder, skip);
    return holder.stack ?? [];
  } finally {
    Error.prepareStackTrace = previousPrepare;
    Error.stackTraceLimit = previousLimit;
  }
}
function isApplicationFrame(frame) {
  const file = frame.getFileName();
  if (!file || frame.isNative()) return false;
  if (
    file.startsWith('node:') ||
    !(file.startsWith('/') || file.startsWith('file:') || /^[A-Za-z]:\\/.test(file))
  )
    return false;
  return !file.includes(NODE_MODULES) && !file.includes(AGENT_DIR);
}
function firstApplicationFrame(frames) {
  for (const frame of frames) {
    if (!isApplicationFrame(frame)) continue;
    let filePath = frame.getFileName();
    if (filePath.startsWith('file://')) filePath = decodeURIComponent(new URL(filePath).pathname);
    const type = frame.getTypeName();
    const fn = frame.getFunctionName() ?? frame.getMethodName() ?? void 0;
    return {
      functionName: fn ? (type && type !== 'Object' && !fn.includes('.') ? `${type}.${fn}` : fn) : void 0,
      filePath,
      line: frame.getLineNumber() ?? 0,
      column: frame.getColumnNumber() ?? 0,
    };
  }
  return void 0;
}
function formatFrames(frames) {
  return frames.map((f) => `    at ${String(f)}`).join('\n');
}

// packages/agent/src/processors/code-context-processor.ts
var FRAMES = /* @__PURE__ */ Symbol('spyglass.frames');
var CodeContextProcessor = class {
  constructor(config) {
    this.config = config;
  }
  config;
  onStart(span, _parentContext) {
    const capture = this.config.capture;
    if (!capture.codeAttributes && !capture.stackTraces.onError && capture.stackTraces.slowSpanMs === 0)
      return;
    if (span.kind === import_api.SpanKind.SERVER || span.kind === import_api.SpanKind.CONSUMER) return;
    const frames = captureFrames(this.onStart);
    const site = firstApplicationFrame(frames);
    if (!site) return;
    span[FRAMES] = frames;
    if (!capture.codeAttributes) return;
    if (site.functionName) span.setAttribute('code.function.name', site.functionName);
    span.setAttribute('code.file.path', site.filePath);
    span.setAttribute('code.line.number', site.line);
    span.setAttribute('code.column.number', site.column);
  }
  onEnding(span) {
    const frames = span[FRAMES];
    if (!frames) return;
    delete span[FRAMES];
    const rules = this.config.capture.stackTraces;
    const failed = span.status.code === import_api.SpanStatusCode.ERROR;
    let slow = false;
    if (!failed && rules.slowSpanMs > 0) {
      const [s, ns] = span.startTime;
      slow = Date.now() - (s * 1e3 + ns / 1e6) >= rules.slowSpanMs;
    }
    if ((failed && rules.onError) || slow) span.setAttribute('code.stacktrace', formatFrames(frames));
  }
  onEnd(_span) {}
  forceFlush() {
    return Promise.resolve();
  }
  shutdown() {
    return Promise.resolve();
  }
};

// packages/agent/src/capture/sql-sanitizer.ts
function sanitizeSql(sql) {
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (c === "'") {
      i = skipQuoted(sql, i, "'");
      out += '?';
      continue;
    }
    if (c === '"' || c === '`') {
      const end = skipQuoted(sql, i, c);
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl === -1 ? n : nl;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
      continue;
    }
    if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (m) {
        const close = sql.indexOf(m[0], i + m[0].length);
        i = close === -1 ? n : close + m[0].length;
        out += '?';
        continue;
      }
      let j = i + 1;
      while (j < n && isDigit(sql.charCodeAt(j))) j++;
      out += sql.slice(i, j);
      i = j;
      continue;
    }
    if (isDigit(sql.charCodeAt(i)) || (c === '.' && isDigit(sql.charCodeAt(i + 1)))) {
      const prev = out.length > 0 ? out.charCodeAt(out.length - 1) : 32;
      if (isWord(prev)) {
        out += c;
        i++;
        continue;
      }
      let j = i;
      if (c === '0' && (sql[i + 1] === 'x' || sql[i + 1] === 'X')) {
        j += 2;
        while (j < n && /[0-9a-fA-F]/.test(sql[j])) j++;
      } else {
        while (j < n && (isDigit(sql.charCodeAt(j)) || sql[j] === '.')) j++;
        if (j < n && (sql[j] === 'e' || sql[j] === 'E')) {
          j++;
          if (sql[j] === '+' || sql[j] === '-') j++;
          while (j < n && isDigit(sql.charCodeAt(j))) j++;
        }
      }
      out += '?';
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}
function skipQuoted(sql, start, quote) {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === '\\' && quote === "'") {
      i += 2;
      continue;
    }
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}
function isDigit(code) {
  return code >= 48 && code <= 57;
}
function isWord(code) {
  return isDigit(code) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

// packages/agent/src/processors/db-statement-processor.ts
var STATEMENT_KEYS = ['db.statement', 'db.query.text'];
var DbStatementProcessor = class {
  constructor(config) {
    this.config = config;
  }
  config;
  onStart(span, _parentContext) {
    const mode = this.config.capture.dbStatements;
    if (mode === 'full') return;
    const attributes = span.attributes;
    for (const key of STATEMENT_KEYS) {
      const statement = attributes[key];
      if (typeof statement !== 'string') continue;
      if (mode === 'off') delete attributes[key];
      else if (isSql(attributes)) span.setAttribute(key, sanitizeSql(statement));
    }
  }
  onEnd(_span) {}
  forceFlush() {
    return Promise.resolve();
  }
  shutdown() {
    return Promise.resolve();
  }
};
var NOT_SQL = /* @__PURE__ */ new Set(['redis', 'mongodb', 'memcached', 'elasticsearch', 'cassandra']);
function isSql(attributes) {
  const system = attributes['db.system.name'] ?? attributes['db.system'];
  return typeof system !== 'string' || !NOT_SQL.has(system);
}

// packages/agent/src/telemetry/console-bridge.ts
var import_node_util = require('node:util');
var import_api_logs = require('@opentelemetry/api-logs');
var LEVELS = {
  debug: [import_api_logs.SeverityNumber.DEBUG, 'DEBUG'],
  log: [import_api_logs.SeverityNumber.INFO, 'INFO'],
  info: [import_api_logs.SeverityNumber.INFO, 'INFO'],
  warn: [import_api_logs.SeverityNumber.WARN, 'WARN'],
  error: [import_api_logs.SeverityNumber.ERROR, 'ERROR'],
  trace: [import_api_logs.SeverityNumber.TRACE, 'TRACE'],
};
var reentered = false;
function bridgeConsole(logger, isEnabled) {
  const originals = /* @__PURE__ */ new Map();
  for (const method of Object.keys(LEVELS)) {
    const original = console[method];
    originals.set(method, original);
    const [severityNumber, severityText] = LEVELS[method];
    console[method] = function (...args) {
      if (!reentered && isEnabled()) {
        reentered = true;
        try {
          const error = args.find((a) => a instanceof Error);
          logger.emit({
            severityNumber,
            severityText,
            body: (0, import_node_util.format)(...args),
            attributes: error
              ? {
                  'exception.type': error.name,
                  'exception.message': error.message,
                  'exception.stacktrace': error.stack ?? '',
                  'log.source': 'console',
                }
              : { 'log.source': 'console' },
          });
        } catch {
        } finally {
          reentered = false;
        }
      }
      original.apply(this, args);
    };
  }
  return () => {
    for (const [method, original] of originals) console[method] = original;
  };
}

// packages/agent/src/telemetry/counting-exporter.ts
var import_core = require('@opentelemetry/core');
var CountingSpanExporter = class {
  constructor(inner, stats) {
    this.inner = inner;
    this.stats = stats;
  }
  inner;
  stats;
  export(spans, done) {
    this.inner.export(spans, (result) => {
      if (result.code === import_core.ExportResultCode.SUCCESS) this.stats.exportedSpans += spans.length;
      else this.stats.failedSpans += spans.length;
      done(result);
    });
  }
  shutdown() {
    return this.inner.shutdown();
  }
  forceFlush() {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
};
var DropCountingProcessor = class {
  constructor(batch, maxQueueSize, stats) {
    this.batch = batch;
    this.maxQueueSize = maxQueueSize;
    this.stats = stats;
  }
  batch;
  maxQueueSize;
  stats;
  onStart(span, parentContext) {
    this.batch.onStart(span, parentContext);
  }
  onEnd(span) {
    const queue = this.batch._finishedSpans;
    if (queue && queue.length >= this.maxQueueSize) this.stats.droppedSpans++;
    this.batch.onEnd(span);
  }
  forceFlush() {
    return this.batch.forceFlush();
  }
  shutdown() {
    return this.batch.shutdown();
  }
};

// packages/agent/src/telemetry/instrumentations.ts
var import_instrumentation_http = require('@opentelemetry/instrumentation-http');
var import_instrumentation_undici = require('@opentelemetry/instrumentation-undici');
var import_instrumentation_express = require('@opentelemetry/instrumentation-express');
var import_instrumentation_koa = require('@opentelemetry/instrumentation-koa');
var import_instrumentation_nestjs_core = require('@opentelemetry/instrumentation-nestjs-core');
var import_instrumentation_grpc = require('@opentelemetry/instrumentation-grpc');
var import_instrumentation_pg = require('@opentelemetry/instrumentation-pg');
var import_instrumentation_mysql2 = require('@opentelemetry/instrumentation-mysql2');
var import_instrumentation_redis = require('@opentelemetry/instrumentation-redis');
var import_instrumentation_ioredis = require('@opentelemetry/instrumentation-ioredis');
var import_instrumentation_mongodb = require('@opentelemetry/instrumentation-mongodb');
var import_instrumentation_kafkajs = require('@opentelemetry/instrumentation-kafkajs');
var import_instrumentation_amqplib = require('@opentelemetry/instrumentation-amqplib');
var import_instrumentation_pino = require('@opentelemetry/instrumentation-pino');
var import_instrumentation_winston = require('@opentelemetry/instrumentation-winston');
var import_instrumentation_bunyan = require('@opentelemetry/instrumentation-bunyan');
var import_instrumentation_fs = require('@opentelemetry/instrumentation-fs');
var import_instrumentation_dns = require('@opentelemetry/instrumentation-dns');
var import_instrumentation_net = require('@opentelemetry/instrumentation-net');
var import_instrumentation_runtime_node = require('@opentelemetry/instrumentation-runtime-node');
var import_otel = require('@fastify/otel');

// packages/agent/src/capture/header-capture.ts
var REDACTED = '[REDACTED]';
var SECRET_LOOKING = /(auth|token|secret|passw|api[-_]?key|session|credential|signature)/i;
var ALWAYS = new Set(ALWAYS_REDACTED_HEADERS);
function headerAttributes(direction, headers, rules, into) {
  if (!headers || rules.mode === 'off') return;
  const allow = rules.mode === 'allowlist' ? rules.allowlist : void 0;
  for (const rawName of Object.keys(headers)) {
    const name = rawName.toLowerCase();
    if (allow && !allow.includes(name)) continue;
    const value = headers[rawName];
    if (value === void 0) continue;
    into[`http.${direction}.header.${name}`] = isSecret(name, rules.redact)
      ? REDACTED
      : Array.isArray(value)
        ? value.join(', ')
        : String(value);
  }
}
function isSecret(name, extra) {
  return ALWAYS.has(name) || SECRET_LOOKING.test(name) || extra.includes(name);
}
function undiciHeaders(headers) {
  const out = {};
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = String(headers[i]).toLowerCase();
      const value = String(headers[i + 1]);
      out[name] = out[name] === void 0 ? value : `${out[name]}, ${value}`;
    }
  } else if (typeof headers === 'string') {
    for (const line of headers.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  return out;
}

// packages/agent/src/capture/payload-capture.ts
var PayloadCollector = class {
  constructor(maxBytes) {
    this.maxBytes = maxBytes;
  }
  maxBytes;
  #chunks = [];
  #kept = 0;
  total = 0;
  add(chunk, encoding) {
    if (chunk === void 0 || chunk === null || typeof chunk === 'function') return;
    const buf =
      typeof chunk === 'string'
        ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8')
        : chunk instanceof Uint8Array
          ? chunk
          : void 0;
    if (!buf) return;
    this.total += buf.length;
    const room = this.maxBytes - this.#kept;
    if (room <= 0) return;
    const piece = buf.length <= room ? buf : buf.subarray(0, room);
    this.#chunks.push(Buffer.from(piece));
    this.#kept += piece.length;
  }
  /**
   * Sets `<name>` (UTF-8 text; binary content as base64 with `<name>.encoding`),
   * `<name>.size` (all bytes) and, when cut, `<name>.truncated` = true.
   */
  writeTo(name, into) {
    if (this.total === 0) return;
    const bytes = Buffer.concat(this.#chunks);
    if (bytes.includes(0)) {
      into[name] = bytes.toString('base64');
      into[`${name}.encoding`] = 'base64';
    } else {
      into[name] = bytes.toString('utf8');
    }
    into[`${name}.size`] = this.total;
    if (this.total > this.#kept) into[`${name}.truncated`] = true;
  }
};
function capturableContentType(contentType, allowed) {
  if (typeof contentType !== 'string' || contentType === '') return false;
  const type = contentType.toLowerCase();
  return allowed.some(
    (prefix) => type.startsWith(prefix) || (prefix.includes('json') && type.includes('+json')),
  );
}
function messagePayloadAttributes(value, maxBytes, into) {
  if (value === null || value === void 0) return;
  const collector = new PayloadCollector(maxBytes);
  collector.add(value);
  collector.writeTo('messaging.message.payload', into);
}

// packages/agent/src/capture/http-capture.ts
var BODIES = /* @__PURE__ */ Symbol('spyglass.bodies');
function createHttpHooks(config) {
  const bodiesOf = (span) => {
    const s = span;
    return (s[BODIES] ??= {});
  };
  return {
    requestHook(span, request) {
      const payloads = config.capture.payloads;
      if (!payloads.enabled || payloads.maxBytes === 0) return;
      const collector = new PayloadCollector(payloads.maxBytes);
      bodiesOf(span).request = collector;
      if (isIncoming(request)) observeIncoming(request, collector);
      else observeOutgoing(request, collector);
    },
    responseHook(span, response) {
      const payloads = config.capture.payloads;
      if (!payloads.enabled || payloads.maxBytes === 0) return;
      const collector = new PayloadCollector(payloads.maxBytes);
      bodiesOf(span).response = collector;
      if (isIncoming(response)) observeIncoming(response, collector);
      else observeOutgoing(response, collector);
    },
    applyCustomAttributesOnSpan(span, request, response) {
      const capture = config.capture;
      const attributes = {};
      const requestHeaders = isIncoming(request) ? request.headers : request.getHeaders();
      const responseHeaders = isIncoming(response) ? response.headers : response.getHeaders();
      headerAttributes('request', requestHeaders, capture.headers, attributes);
      headerAttributes('response', responseHeaders, capture.headers, attributes);
      const bodies = span[BODIES];
      if (bodies && capture.payloads.enabled) {
        const types = capture.payloads.contentTypes;
        if (bodies.request && capturableContentType(requestHeaders['content-type'], types))
          bodies.request.writeTo('http.request.payload', attributes);
        if (bodies.response && capturableContentType(responseHeaders['content-type'], types))
          bodies.response.writeTo('http.response.payload', attributes);
      }
      span.setAttributes(attributes);
    },
  };
}
function isIncoming(message) {
  return 'headers' in message && 'httpVersion' in message;
}
function observeIncoming(message, collector) {
  const emit = message.emit;
  message.emit = function (event, ...args) {
    if (event === 'data') {
      try {
        collector.add(args[0]);
      } catch {}
    }
    return emit.call(this, event, ...args);
  };
}
function observeOutgoing(message, collector) {
  const write = message.write;
  const end = message.end;
  message.write = function (chunk, ...rest) {
    try {
      collector.add(chunk, rest[0]);
    } catch {}
    return write.call(this, chunk, ...rest);
  };
  message.end = function (...args) {
    try {
      if (typeof args[0] !== 'function') collector.add(args[0], args[1]);
    } catch {}
    return end.apply(this, args);
  };
}

// packages/agent/src/capture/messaging-capture.ts
function createMessagingHooks(config) {
  const payload = (span, value) => {
    const rules = config.capture.messagingPayloads;
    if (!rules.enabled || rules.maxBytes === 0) return;
    const attributes = {};
    messagePayloadAttributes(value, rules.maxBytes, attributes);
    span.setAttributes(attributes);
  };
  return {
    kafkajs: {
      producerHook: (span, info) => payload(span, info.message.value),
      consumerHook: (span, info) => payload(span, info.message.value),
    },
    amqplib: {
      publishHook: (span, info) => payload(span, info.content),
      consumeHook: (span, info) => payload(span, info.msg.content),
    },
  };
}

// packages/agent/src/telemetry/instrumentations.ts
var GRPC_METADATA = ['user-agent', 'content-type', 'x-request-id', 'grpc-accept-encoding', 'authorization'];
function createInstrumentations(config, isExportRequest) {
  const http = createHttpHooks(config);
  const messaging = createMessagingHooks(config);
  const full = () => config.capture.dbStatements === 'full';
  const set = /* @__PURE__ */ new Map();
  const add = (name, make) => {
    try {
      set.set(name, make());
    } catch {}
  };
  add(
    'http',
    () =>
      new import_instrumentation_http.HttpInstrumentation({
        enabled: false,
        requestHook: http.requestHook,
        responseHook: http.responseHook,
        applyCustomAttributesOnSpan: http.applyCustomAttributesOnSpan,
        // The agent's own exports are never traced (the SDK also suppresses them by context).
        ignoreOutgoingRequestHook: (options) =>
          isExportRequest(options.hostname ?? options.host ?? void 0, options.port ?? void 0),
      }),
  );
  add(
    'undici',
    () =>
      new import_instrumentation_undici.UndiciInstrumentation({
        enabled: false,
        requestHook: (span, request) => {
          const attributes = {};
          headerAttributes('request', undiciHeaders(request.headers), config.capture.headers, attributes);
          span.setAttributes(attributes);
        },
        responseHook: (span, { response }) => {
          const attributes = {};
          headerAttributes('response', undiciHeaders(response.headers), config.capture.headers, attributes);
          span.setAttributes(attributes);
        },
      }),
  );
  add('express', () => new import_instrumentation_express.ExpressInstrumentation({ enabled: false }));
  add(
    'fastify',
    () => new import_otel.FastifyOtelInstrumentation({ enabled: false, registerOnInitialization: true }),
  );
  add('koa', () => new import_instrumentation_koa.KoaInstrumentation({ enabled: false }));
  add('nestjs', () => new import_instrumentation_nestjs_core.NestInstrumentation({ enabled: false }));
  add(
    'grpc',
    () =>
      new import_instrumentation_grpc.GrpcInstrumentation({
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
      new import_instrumentation_pg.PgInstrumentation({
        enabled: false,
        requestHook: (span, { query }) => {
          if (full() && query.values?.length)
            query.values.forEach((v, i) => span.setAttribute(`db.query.parameter.${i + 1}`, stringify(v)));
        },
      }),
  );
  add('mysql2', () => new import_instrumentation_mysql2.MySQL2Instrumentation({ enabled: false }));
  const redisStatement = (command, args) =>
    full()
      ? [command, ...args.map(stringify)].join(' ')
      : args.length
        ? `${command} ${args.map(() => '?').join(' ')}`
        : command;
  add(
    'redis',
    () =>
      new import_instrumentation_redis.RedisInstrumentation({
        enabled: false,
        dbStatementSerializer: redisStatement,
      }),
  );
  add(
    'ioredis',
    () =>
      new import_instrumentation_ioredis.IORedisInstrumentation({
        enabled: false,
        dbStatementSerializer: redisStatement,
      }),
  );
  add(
    'mongodb',
    () =>
      new import_instrumentation_mongodb.MongoDBInstrumentation({
        enabled: false,
        enhancedDatabaseReporting: false,
      }),
  );
  add(
    'kafkajs',
    () => new import_instrumentation_kafkajs.KafkaJsInstrumentation({ enabled: false, ...messaging.kafkajs }),
  );
  add(
    'amqplib',
    () => new import_instrumentation_amqplib.AmqplibInstrumentation({ enabled: false, ...messaging.amqplib }),
  );
  add('pino', () => new import_instrumentation_pino.PinoInstrumentation({ enabled: false }));
  add('winston', () => new import_instrumentation_winston.WinstonInstrumentation({ enabled: false }));
  add('bunyan', () => new import_instrumentation_bunyan.BunyanInstrumentation({ enabled: false }));
  add(
    'fs',
    () => new import_instrumentation_fs.FsInstrumentation({ enabled: false, requireParentSpan: true }),
  );
  add('dns', () => new import_instrumentation_dns.DnsInstrumentation({ enabled: false }));
  add('net', () => new import_instrumentation_net.NetInstrumentation({ enabled: false }));
  return set;
}
function createRuntimeInstrumentation() {
  return new import_instrumentation_runtime_node.RuntimeNodeInstrumentation({
    enabled: false,
    monitoringPrecision: 5e3,
  });
}
function stringify(value) {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

// packages/agent/src/telemetry/live-sampler.ts
var import_sdk_trace_base = require('@opentelemetry/sdk-trace-base');
var LiveRatioSampler = class {
  constructor(config) {
    this.config = config;
  }
  config;
  #ratio = -1;
  #delegate = new import_sdk_trace_base.ParentBasedSampler({
    root: new import_sdk_trace_base.TraceIdRatioBasedSampler(1),
  });
  shouldSample(context2, traceId, spanName, spanKind, attributes, links) {
    const ratio = this.config.current.sampling.ratio;
    if (ratio !== this.#ratio) {
      this.#ratio = ratio;
      this.#delegate = new import_sdk_trace_base.ParentBasedSampler({
        root: new import_sdk_trace_base.TraceIdRatioBasedSampler(ratio),
      });
    }
    const result = this.#delegate.shouldSample(context2, traceId, spanName, spanKind, attributes, links);
    if (ratio < 1 && ratio > 0 && result.decision !== 0)
      return { ...result, attributes: { ...result.attributes, SampleRate: Math.round(1 / ratio) } };
    return result;
  }
  toString() {
    return `LiveRatioSampler{${this.config.current.sampling.ratio}}`;
  }
};

// packages/agent/src/telemetry/process-metrics.ts
function registerProcessMetrics(meter) {
  let lastCpu = process.cpuUsage();
  let lastTime = process.hrtime.bigint();
  meter
    .createObservableCounter('process.cpu.time', { unit: 's', description: 'CPU time used by the process' })
    .addCallback((result) => {
      const usage = process.cpuUsage();
      result.observe(usage.user / 1e6, { 'cpu.mode': 'user' });
      result.observe(usage.system / 1e6, { 'cpu.mode': 'system' });
    });
  meter
    .createObservableGauge('process.cpu.utilization', {
      unit: '1',
      description: 'CPU used since the last collection, in cores',
    })
    .addCallback((result) => {
      const now = process.hrtime.bigint();
      const usage = process.cpuUsage(lastCpu);
      const elapsedUs = Number(now - lastTime) / 1e3;
      lastCpu = process.cpuUsage();
      lastTime = now;
      if (elapsedUs > 0) result.observe((usage.user + usage.system) / elapsedUs);
    });
  meter
    .createObservableGauge('process.memory.usage', { unit: 'By', description: 'Resident set size' })
    .addCallback((result) => result.observe(process.memoryUsage.rss()));
}

// packages/agent/src/telemetry/resource.ts
var import_node_fs2 = require('node:fs');
var import_node_path2 = require('node:path');
var import_resources = require('@opentelemetry/resources');

// packages/agent/src/version.ts
var AGENT_VERSION = '0.1.0';

// packages/agent/src/telemetry/resource.ts
function identifyService(configured, env) {
  const pkg = nearestPackageJson(
    process.argv[1]
      ? (0, import_node_path2.dirname)((0, import_node_path2.resolve)(process.argv[1]))
      : process.cwd(),
  );
  const fromResourceEnv = /(?:^|,)\s*service\.name=([^,]+)/.exec(env['OTEL_RESOURCE_ATTRIBUTES'] ?? '')?.[1];
  return {
    name:
      configured ??
      (fromResourceEnv ? decodeURIComponent(fromResourceEnv.trim()) : void 0) ??
      pkg?.name ??
      'unknown_service:node',
    version: pkg?.version,
  };
}
function buildResource(service) {
  const detected = (0, import_resources.detectResources)({
    detectors: [
      import_resources.envDetector,
      import_resources.hostDetector,
      import_resources.osDetector,
      import_resources.processDetector,
    ],
  });
  return detected.merge(
    (0, import_resources.resourceFromAttributes)({
      'service.name': service.name,
      ...(service.version ? { 'service.version': service.version } : {}),
      'telemetry.distro.name': 'spyglass',
      'telemetry.distro.version': AGENT_VERSION,
    }),
  );
}
function nearestPackageJson(start) {
  let dir = start;
  for (let i = 0; i < 32; i++) {
    if (!dir.includes('node_modules')) {
      try {
        const pkg = JSON.parse(
          (0, import_node_fs2.readFileSync)((0, import_node_path2.join)(dir, 'package.json'), 'utf8'),
        );
        if (typeof pkg.name === 'string' && pkg.name)
          return { name: pkg.name, version: typeof pkg.version === 'string' ? pkg.version : void 0 };
      } catch {}
    }
    const parent = (0, import_node_path2.dirname)(dir);
    if (parent === dir) return void 0;
    dir = parent;
  }
  return void 0;
}

// packages/agent/src/start-agent.ts
function startAgent(initial, env = process.env) {
  const service = identifyService(initial.serviceName, env);
  const config = new ConfigStore(initial, service.name);
  const resource = buildResource(service);
  const endpoint = new URL(initial.endpoint);
  const exportHost = endpoint.hostname;
  const exportPort = endpoint.port || (endpoint.protocol === 'https:' ? '443' : '80');
  const isExportRequest = (host, port) =>
    host !== void 0 && host.replace(/:\d+$/, '') === exportHost && String(port ?? exportPort) === exportPort;
  const url = (path) => `${initial.endpoint}${path}`;
  const exportOptions = { headers: initial.headers, timeoutMillis: initial.export.timeoutMs };
  const stats = { exportedSpans: 0, failedSpans: 0, droppedSpans: 0 };
  const batch = new import_sdk_trace_node.BatchSpanProcessor(
    new CountingSpanExporter(
      new import_exporter_trace_otlp_proto.OTLPTraceExporter({ url: url('/v1/traces'), ...exportOptions }),
      stats,
    ),
    {
      maxQueueSize: initial.export.maxQueueSize,
      maxExportBatchSize: Math.min(initial.export.maxBatchSize, initial.export.maxQueueSize),
      scheduledDelayMillis: initial.export.scheduledDelayMs,
      exportTimeoutMillis: initial.export.timeoutMs,
    },
  );
  const tracerProvider = new import_sdk_trace_node.NodeTracerProvider({
    resource,
    sampler: new LiveRatioSampler(config),
    spanProcessors: [
      new DbStatementProcessor(config),
      new CodeContextProcessor(config),
      new DropCountingProcessor(batch, initial.export.maxQueueSize, stats),
    ],
  });
  import_api2.context.setGlobalContextManager(
    new import_context_async_hooks.AsyncLocalStorageContextManager().enable(),
  );
  import_api2.propagation.setGlobalPropagator(
    new import_core2.CompositePropagator({
      propagators: [new import_core2.W3CTraceContextPropagator(), new import_core2.W3CBaggagePropagator()],
    }),
  );
  if (initial.signals.traces) import_api2.trace.setGlobalTracerProvider(tracerProvider);
  const loggerProvider = new import_sdk_logs.LoggerProvider({
    resource,
    processors: [
      new import_sdk_logs.BatchLogRecordProcessor({
        exporter: new import_exporter_logs_otlp_proto.OTLPLogExporter({
          url: url('/v1/logs'),
          ...exportOptions,
        }),
        maxQueueSize: initial.export.maxQueueSize,
        scheduledDelayMillis: initial.export.scheduledDelayMs,
      }),
    ],
  });
  if (initial.signals.logs) import_api_logs2.logs.setGlobalLoggerProvider(loggerProvider);
  const restoreConsole = bridgeConsole(
    loggerProvider.getLogger('spyglass.console'),
    () => config.current.signals.logs && config.current.logs.console,
  );
  const meterProvider = new import_sdk_metrics.MeterProvider({
    resource,
    readers: [
      new import_sdk_metrics.PeriodicExportingMetricReader({
        exporter: new import_exporter_metrics_otlp_proto.OTLPMetricExporter({
          url: url('/v1/metrics'),
          ...exportOptions,
        }),
        exportIntervalMillis: initial.metrics.intervalMs,
        exportTimeoutMillis: Math.min(initial.export.timeoutMs, initial.metrics.intervalMs),
      }),
    ],
  });
  if (initial.signals.metrics) import_api2.metrics.setGlobalMeterProvider(meterProvider);
  const agentMeter = meterProvider.getMeter('spyglass.agent');
  if (initial.metrics.runtime) registerProcessMetrics(agentMeter);
  agentMeter
    .createObservableCounter('spyglass.agent.spans.lost', {
      description: 'Spans dropped (buffer full) or not delivered',
    })
    .addCallback((r) => {
      r.observe(stats.droppedSpans, { reason: 'buffer_full' });
      r.observe(stats.failedSpans, { reason: 'export_failed' });
    });
  const instrumentations = createInstrumentations(config, isExportRequest);
  const runtime = initial.metrics.runtime ? createRuntimeInstrumentation() : void 0;
  const all = [...instrumentations.values(), ...(runtime ? [runtime] : [])];
  for (const i of all) {
    i.setTracerProvider(tracerProvider);
    i.setMeterProvider(meterProvider);
    i.setLoggerProvider?.(loggerProvider);
  }
  const applyInstrumentationSwitches = (next) => {
    for (const name of INSTRUMENTATION_NAMES) {
      const instrumentation = instrumentations.get(name);
      if (!instrumentation) continue;
      const wanted = next.enabled && next.signals.traces && next.instrumentations[name];
      try {
        if (wanted && !instrumentation.getConfig().enabled) {
          instrumentation.setConfig({ ...instrumentation.getConfig(), enabled: true });
          instrumentation.enable();
        } else if (!wanted && instrumentation.getConfig().enabled) {
          instrumentation.setConfig({ ...instrumentation.getConfig(), enabled: false });
          instrumentation.disable();
        }
      } catch (err) {
        import_api2.diag.warn(`spyglass: could not switch instrumentation ${name}`, err);
      }
    }
  };
  applyInstrumentationSwitches(initial);
  runtime?.enable();
  config.subscribe((next) => applyInstrumentationSwitches(next));
  let stopped;
  return {
    serviceName: service.name,
    config,
    stats,
    applyConfig: (input) => config.replace(input),
    async forceFlush() {
      await Promise.allSettled([
        tracerProvider.forceFlush(),
        loggerProvider.forceFlush(),
        meterProvider.forceFlush(),
      ]);
    },
    shutdown() {
      stopped ??= (async () => {
        for (const i of all) i.disable();
        restoreConsole();
        await Promise.allSettled([
          tracerProvider.shutdown(),
          loggerProvider.shutdown(),
          meterProvider.shutdown(),
        ]);
      })();
      return stopped;
    },
  };
}

// packages/agent/src/agent-main.ts
var AGENT_HANDLE = /* @__PURE__ */ Symbol.for('spyglass.agent');
var TOOL_SCRIPTS =
  /(^|[\\/])(npm-cli|npx-cli|npm|npx|yarn|yarnpkg|pnpm|pnpx|corepack|node-gyp|spyglass)(\.c?js|\.mjs)?$/;
var TOOL_DIRS = /[\\/]node_modules[\\/](npm|corepack|pnpm|yarn|@yarnpkg|node-gyp)[\\/]/;
function isToolProcess(argv = process.argv) {
  const script = argv[1];
  if (!script) return false;
  return (
    TOOL_SCRIPTS.test((0, import_node_path3.basename)(script)) ||
    TOOL_DIRS.test(script) ||
    /[\\/]packages[\\/]cli[\\/]bin[\\/]spyglass\.js$/.test(script)
  );
}
function startFromEnvironment(env = process.env) {
  const global = globalThis;
  if (global[AGENT_HANDLE] !== void 0) return global[AGENT_HANDLE] ?? void 0;
  global[AGENT_HANDLE] = null;
  if (isToolProcess()) return void 0;
  if (env['SPYGLASS_AGENT_DEBUG'] === '1')
    import_api3.diag.setLogger(new import_api3.DiagConsoleLogger(), import_api3.DiagLogLevel.DEBUG);
  try {
    const config = parseAgentConfig(configInputFromEnv(env));
    if (!config.enabled) return void 0;
    const agent = startAgent(config, env);
    global[AGENT_HANDLE] = agent;
    installShutdownHooks(agent);
    watchConfigFile(agent, env);
    return agent;
  } catch (err) {
    process.stderr.write(`[spyglass agent] not started: ${err.message}
`);
    return void 0;
  }
}
function installShutdownHooks(agent) {
  process.once('beforeExit', () => void agent.shutdown());
  for (const signal of ['SIGTERM', 'SIGINT']) {
    const onSignal = () => {
      const others = process.listenerCount(signal);
      const flushed = Promise.race([agent.shutdown(), new Promise((r) => setTimeout(r, 2e3).unref())]);
      if (others === 0) {
        void flushed.then(() => process.kill(process.pid, signal));
      }
    };
    process.once(signal, onSignal);
  }
}
function watchConfigFile(agent, env) {
  const file = env['SPYGLASS_AGENT_CONFIG'];
  if (!file) return;
  const interval = Number(env['SPYGLASS_AGENT_CONFIG_POLL_MS'] ?? 1e3);
  (0, import_node_fs3.watchFile)(file, { interval, persistent: false }, (now, before) => {
    if (now.mtimeMs === before.mtimeMs) return;
    try {
      agent.applyConfig(configInputFromEnv(env));
    } catch (err) {
      process.stderr.write(`[spyglass agent] config change refused, keeping the previous one: ${err.message}
`);
    }
  });
}
// Annotate the CommonJS export names for ESM import in node:
0 &&
  (module.exports = {
    AGENT_HANDLE,
    isToolProcess,
    startFromEnvironment,
  });
