import { readFileSync } from 'node:fs';
import type { AgentConfigInput } from './agent-config.ts';

/**
 * The configuration input from the environment. The launcher sets the
 * SPYGLASS_* variables; the standard OTEL_* variables are honoured too, so an
 * application already configured for OpenTelemetry keeps its settings.
 *
 *   SPYGLASS_AGENT_CONFIG       path to a JSON file with the whole config (watched for changes)
 *   SPYGLASS_SERVICE_NAME       service.name (else OTEL_SERVICE_NAME, else package.json name)
 *   SPYGLASS_ENDPOINT           OTLP/HTTP base URL (else OTEL_EXPORTER_OTLP_ENDPOINT)
 *   SPYGLASS_API_KEY            sent as `Authorization: Bearer <key>`
 *   SPYGLASS_AGENT_DISABLED=1   or OTEL_SDK_DISABLED=true: load nothing
 */
export function configInputFromEnv(env: NodeJS.ProcessEnv): AgentConfigInput {
  const file = env['SPYGLASS_AGENT_CONFIG'];
  const input = (file ? readConfigFile(file) : {}) as AgentConfigInput & Record<string, unknown>;
  const serviceName = env['SPYGLASS_SERVICE_NAME'] || env['OTEL_SERVICE_NAME'];
  if (serviceName) input.serviceName = serviceName;
  const endpoint = env['SPYGLASS_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (endpoint) input.endpoint = endpoint.replace(/\/+$/, '');
  const headers: Record<string, string> = {
    ...parseOtlpHeaders(env['OTEL_EXPORTER_OTLP_HEADERS']),
    ...input.headers,
  };
  if (env['SPYGLASS_API_KEY']) headers['authorization'] = `Bearer ${env['SPYGLASS_API_KEY']}`;
  input.headers = headers;
  if (env['SPYGLASS_AGENT_DISABLED'] === '1' || env['OTEL_SDK_DISABLED'] === 'true') input.enabled = false;
  return input;
}

/** Reads a JSON config file; the error names the file. */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read the agent config file ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`The agent config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** OTEL_EXPORTER_OTLP_HEADERS: `key1=value1,key2=value2`, values URL-encoded. */
function parseOtlpHeaders(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    try {
      out[part.slice(0, eq).trim().toLowerCase()] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // a malformed escape: skip that header
    }
  }
  return out;
}
