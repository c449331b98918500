import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from './config/load-config.ts';
import { startSpyglass } from './commands/up.ts';
import { runQuery } from './commands/query.ts';
import { runTrace } from './commands/trace.ts';
import { ApiClientError } from './commands/api-client.ts';
import { RUN_USAGE, runInstrumented } from './commands/run.ts';

const USAGE = `Usage: spyglass <command> [flags]

Commands:
  up                 Start the all-in-one: OTLP gateway (gRPC 4317, HTTP 4318), embedded
                     ClickHouse (HTTP interface 8123) and the API/UI (8080).
  query '<search>'   Search spans or logs of a running Spyglass (see docs/search.md)
  trace <trace-id>   Show a trace as a text waterfall, with its logs
  run -- <command>   Run a Node.js application with the Spyglass agent (zero-code instrumentation)

Flags for up:
  --config <file>          YAML file with the same settings (see docs/configuration.md)
  --data-dir <dir>         Where data lives (default ./.spyglass-data)
  --host <addr>            Address to listen on (default 127.0.0.1)
  --http-port <n>          API and UI port (default 8080)
  --otlp-grpc-port <n>     OTLP/gRPC port (default 4317)
  --otlp-http-port <n>     OTLP/HTTP port (default 4318)
  --clickhouse-port <n>    ClickHouse HTTP interface of the embedded store (default 8123)
  --clickhouse-url <url>   Use a ClickHouse server or cluster instead of the embedded engine
  --api-key <key>          Require this key on OTLP requests (repeatable)
  --log-level <level>      error | warn | info (default info)

Flags for query:
  --signal traces|logs     What to search (default traces)
  --since <duration>       How far back, e.g. 30s, 15m, 2h, 7d (default 15m)
  --from <time>, --to <time>  An absolute range (ISO-8601 or epoch ms)
  --limit <n>              Rows to show (default 50)
  --sql                    The search is a SQL condition instead
  --json                   One JSON object per row, for scripts

Flags for query and trace:
  --api <url>              The Spyglass API (default $SPYGLASS_API or http://127.0.0.1:8080)
  --json                   JSON output

${RUN_USAGE.slice(RUN_USAGE.indexOf('Flags for run:'))}`;

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  if (command === 'query' || command === 'trace') return runClientCommand(command, rest);
  if (command === 'run') return runInstrumented(rest);
  if (command !== 'up') {
    process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
    return 2;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      strict: true,
      options: {
        config: { type: 'string' },
        'data-dir': { type: 'string' },
        host: { type: 'string' },
        'http-port': { type: 'string' },
        'otlp-grpc-port': { type: 'string' },
        'otlp-http-port': { type: 'string' },
        'clickhouse-port': { type: 'string' },
        'clickhouse-url': { type: 'string' },
        'api-key': { type: 'string', multiple: true },
        'log-level': { type: 'string' },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const num = (v: string | undefined) => (v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : v);
  let config;
  try {
    config = loadConfig(values.config, {
      dataDir: values['data-dir'],
      host: values.host,
      httpPort: num(values['http-port']),
      otlpGrpcPort: num(values['otlp-grpc-port']),
      otlpHttpPort: num(values['otlp-http-port']),
      clickhousePort: num(values['clickhouse-port']),
      clickhouseUrl: values['clickhouse-url'],
      apiKeys: values['api-key'],
      logLevel: values['log-level'],
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  let running;
  try {
    running = await startSpyglass(config);
  } catch (err) {
    process.stderr.write(`Spyglass could not start: ${(err as Error).message}\n`);
    return 1;
  }
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      process.stderr.write(`${sig} received: flushing and shutting down\n`);
      running.shutdown().then(resolve, resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

async function runClientCommand(command: 'query' | 'trace', args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        api: { type: 'string' },
        json: { type: 'boolean', default: false },
        signal: { type: 'string', default: 'traces' },
        since: { type: 'string', default: '15m' },
        from: { type: 'string' },
        to: { type: 'string' },
        limit: { type: 'string', default: '50' },
        sql: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const api = values.api ?? process.env['SPYGLASS_API'] ?? 'http://127.0.0.1:8080';
  const out = (line: string) => process.stdout.write(line + '\n');
  try {
    if (command === 'trace') {
      const id = positionals[0];
      if (!id) throw new ApiClientError('usage: spyglass trace <trace-id>', 0);
      await runTrace(api, id, values.json, out);
    } else {
      if (values.signal !== 'traces' && values.signal !== 'logs')
        throw new ApiClientError('--signal must be traces or logs', 0);
      await runQuery(
        {
          api,
          search: positionals.join(' '),
          signal: values.signal,
          since: values.since,
          from: values.from,
          to: values.to,
          limit: Number(values.limit),
          sql: values.sql,
          json: values.json,
        },
        out,
      );
    }
    return 0;
  } catch (err) {
    if (err instanceof ApiClientError || err instanceof RangeError) {
      process.stderr.write(`spyglass ${command}: ${err.message}\n`);
      const details = err instanceof ApiClientError ? err.details : undefined;
      if (details && typeof details['column'] === 'number') {
        process.stderr.write(`  ${positionals.join(' ')}\n  ${' '.repeat(details['column'] - 1)}^\n`);
      }
      return 1;
    }
    throw err;
  }
}
