import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from './config/load-config.ts';
import { startSpyglass } from './commands/up.ts';

const USAGE = `Usage: spyglass <command> [flags]

Commands:
  up      Start the all-in-one: OTLP gateway (gRPC 4317, HTTP 4318), embedded
          ClickHouse (HTTP interface 8123) and the API/UI (8080).

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
`;

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
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
