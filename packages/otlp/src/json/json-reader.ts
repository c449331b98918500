import { DecodeError } from '../wire/proto-reader.ts';
import { KvList, emptyScope, type AnyValue, type KeyValue, type ResourceGroup, type Scope } from '../model/otlp-model.ts';

/**
 * Typed accessors over parsed OTLP/JSON. Each takes the JSON path of the value
 * so that an error names exactly what was wrong ("resourceSpans[0].scopeSpans[1]
 * .spans[3].startTimeUnixNano: expected an integer").
 * Per the protobuf JSON mapping, lowerCamelCase and the original snake_case
 * names are both accepted; enums may be numbers or their names.
 */
export type Json = Record<string, unknown>;

const MAX_VALUE_DEPTH = 32;

export function field(obj: Json, camel: string): unknown {
  const v = obj[camel];
  if (v !== undefined) return v;
  return obj[toSnake(camel)];
}

function toSnake(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

export function object(v: unknown, path: string): Json {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new DecodeError(`${path}: expected an object`);
  return v as Json;
}

export function array(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new DecodeError(`${path}: expected an array`);
  return v;
}

export function string(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new DecodeError(`${path}: expected a string`);
  return v;
}

export function number(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    // Non-finite doubles are strings in proto3 JSON.
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  throw new DecodeError(`${path}: expected a number`);
}

const INTEGER = /^-?\d+$/;

/** An int64/uint64/fixed64 value: a JSON number or a decimal string. */
export function int64(v: unknown, path: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && INTEGER.test(v)) return BigInt(v);
  throw new DecodeError(`${path}: expected an integer`);
}

export function uint64(v: unknown, path: string): bigint {
  const n = int64(v, path);
  if (n < 0n || n > 0xffffffffffffffffn) throw new DecodeError(`${path}: out of range for an unsigned 64-bit integer`);
  return n;
}

export function bool(v: unknown, path: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new DecodeError(`${path}: expected a boolean`);
  return v;
}

/** An enum as its number or its name in `names` (index = value). */
export function enumValue(v: unknown, path: string, names: readonly string[]): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    const i = names.indexOf(v);
    if (i >= 0) return i;
  }
  throw new DecodeError(`${path}: expected one of ${names.join(', ')} or its number`);
}

/** Trace and span ids are hex strings in OTLP/JSON (not base64). Returned lowercased; validated later. */
export function hexId(v: unknown, path: string): string {
  return string(v, path).toLowerCase();
}

export function anyValue(v: unknown, path: string, depth = 0): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw new DecodeError(`${path}: nested deeper than ${MAX_VALUE_DEPTH} levels`);
  const o = object(v, path);
  if ('stringValue' in o || 'string_value' in o) return string(field(o, 'stringValue'), `${path}.stringValue`);
  if ('boolValue' in o || 'bool_value' in o) return bool(field(o, 'boolValue'), `${path}.boolValue`);
  if ('intValue' in o || 'int_value' in o) return int64(field(o, 'intValue'), `${path}.intValue`);
  if ('doubleValue' in o || 'double_value' in o) return number(field(o, 'doubleValue'), `${path}.doubleValue`);
  if ('bytesValue' in o || 'bytes_value' in o) {
    return Buffer.from(string(field(o, 'bytesValue'), `${path}.bytesValue`), 'base64');
  }
  if ('arrayValue' in o || 'array_value' in o) {
    const p = `${path}.arrayValue`;
    return array(object(field(o, 'arrayValue'), p).values, `${p}.values`).map((x, i) =>
      anyValue(x, `${p}.values[${i}]`, depth + 1),
    );
  }
  if ('kvlistValue' in o || 'kvlist_value' in o) {
    const p = `${path}.kvlistValue`;
    return new KvList(keyValues(object(field(o, 'kvlistValue'), p).values, `${p}.values`, depth + 1));
  }
  return undefined;
}

export function keyValues(v: unknown, path: string, depth = 0): KeyValue[] {
  return array(v, path).map((kv, i) => {
    const p = `${path}[${i}]`;
    const o = object(kv, p);
    return { key: string(o.key, `${p}.key`), value: anyValue(o.value, `${p}.value`, depth) };
  });
}

export function scope(v: unknown, path: string): Scope {
  if (v === undefined || v === null) return emptyScope();
  const o = object(v, path);
  return {
    name: string(o.name, `${path}.name`),
    version: string(o.version, `${path}.version`),
    attributes: keyValues(o.attributes, `${path}.attributes`),
    droppedAttributesCount: number(field(o, 'droppedAttributesCount'), `${path}.droppedAttributesCount`),
  };
}

/** Parses a JSON request body; throws DecodeError with the parser's message. */
export function parseJson(body: Buffer): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new DecodeError(`invalid JSON: ${(err as Error).message}`);
  }
  return object(parsed, 'request');
}

/** Decodes the envelope shared by the three export requests, in OTLP/JSON. */
export function decodeEnvelopeJson<T>(
  body: Buffer,
  names: { resource: string; scope: string; items: string },
  decodeItem: (v: unknown, path: string) => T,
): ResourceGroup<T>[] {
  const root = parseJson(body);
  return array(field(root, names.resource), names.resource).map((rv, ri) => {
    const rp = `${names.resource}[${ri}]`;
    const ro = object(rv, rp);
    const res = object(ro.resource, `${rp}.resource`);
    return {
      resource: { attributes: keyValues(res.attributes, `${rp}.resource.attributes`) },
      schemaUrl: string(field(ro, 'schemaUrl'), `${rp}.schemaUrl`),
      scopes: array(field(ro, names.scope), `${rp}.${names.scope}`).map((sv, si) => {
        const sp = `${rp}.${names.scope}[${si}]`;
        const so = object(sv, sp);
        return {
          scope: scope(so.scope, `${sp}.scope`),
          schemaUrl: string(field(so, 'schemaUrl'), `${sp}.schemaUrl`),
          items: array(field(so, names.items), `${sp}.${names.items}`).map((iv, ii) =>
            decodeItem(iv, `${sp}.${names.items}[${ii}]`),
          ),
        };
      }),
    };
  });
}
