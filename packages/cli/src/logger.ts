import type { Logger } from '@spyglass/gateway';

const LEVELS = { error: 0, warn: 1, info: 2 } as const;

/** Human-readable log lines on stderr: `time level message key=value ...`. */
export function createConsoleLogger(level: keyof typeof LEVELS): Logger {
  const max = LEVELS[level];
  const write = (l: keyof typeof LEVELS, message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[l] > max) return;
    const extra = fields
      ? ' ' +
        Object.entries(fields)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ')
      : '';
    process.stderr.write(`${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} ${message}${extra}\n`);
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
