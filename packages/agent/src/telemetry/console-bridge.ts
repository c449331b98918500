import { format } from 'node:util';
import { SeverityNumber, type Logger } from '@opentelemetry/api-logs';

const LEVELS = {
  debug: [SeverityNumber.DEBUG, 'DEBUG'],
  log: [SeverityNumber.INFO, 'INFO'],
  info: [SeverityNumber.INFO, 'INFO'],
  warn: [SeverityNumber.WARN, 'WARN'],
  error: [SeverityNumber.ERROR, 'ERROR'],
  trace: [SeverityNumber.TRACE, 'TRACE'],
} as const;
type Method = keyof typeof LEVELS;

let reentered = false;

/**
 * console.log/info/warn/error/debug/trace as OTLP log records. The record is
 * emitted in the active context, so it carries the active trace and span ids.
 * The original method still prints. Returns the function that restores the
 * console. A record that fails to emit is dropped silently: logging must
 * never throw into the application, nor recurse through the SDK's own logs.
 */
export function bridgeConsole(logger: Logger, isEnabled: () => boolean): () => void {
  const originals = new Map<Method, (...args: unknown[]) => void>();
  for (const method of Object.keys(LEVELS) as Method[]) {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with the console as receiver
    const original = console[method] as (...args: unknown[]) => void;
    originals.set(method, original);
    const [severityNumber, severityText] = LEVELS[method];
    console[method] = function (this: Console, ...args: unknown[]): void {
      if (!reentered && isEnabled()) {
        reentered = true;
        try {
          const error = args.find((a): a is Error => a instanceof Error);
          logger.emit({
            severityNumber,
            severityText,
            body: format(...args),
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
          // dropped
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
