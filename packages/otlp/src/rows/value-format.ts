import { KvList, type AnyValue, type KeyValue } from '../model/otlp-model.ts';
import type { RowBinaryWriter } from './row-binary-writer.ts';

/**
 * Value conventions of the ClickStack tables (shared/docs/SCHEMA.md), matching
 * the OpenTelemetry Collector's `Value.AsString()`: strings as is, numbers and
 * booleans in canonical text form, bytes as base64, arrays and key-value lists
 * as JSON text.
 */
export function anyValueToString(v: AnyValue): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'number':
      return formatDouble(v);
    case 'undefined':
      return '';
    default:
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
      return toJsonText(v);
  }
}

/** JSON text of an AnyValue (arrays, key-value lists, nested), as the Collector renders it. */
export function toJsonText(v: AnyValue): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'number':
      return Number.isFinite(v) ? String(v) : JSON.stringify(formatDouble(v));
    case 'undefined':
      return 'null';
    default:
      if (v instanceof Uint8Array) return JSON.stringify(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'));
      if (v instanceof KvList) {
        // As the Collector renders it (Go's encoding/json on a map): keys sorted, the last duplicate wins.
        const byKey = new Map<string, AnyValue>();
        for (const kv of v.values) byKey.set(kv.key, kv.value);
        const keys = [...byKey.keys()].sort();
        let s = '{';
        for (let i = 0; i < keys.length; i++) {
          if (i > 0) s += ',';
          s += JSON.stringify(keys[i]) + ':' + toJsonText(byKey.get(keys[i]!));
        }
        return s + '}';
      }
      return '[' + v.map(toJsonText).join(',') + ']';
  }
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never exponent notation. */
export function formatDouble(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const negative = s.startsWith('-');
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exponent = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const pointAt = (dot < 0 ? mantissa.length : dot) + exponent;
  let out: string;
  if (pointAt <= 0) out = '0.' + '0'.repeat(-pointAt) + digits;
  else if (pointAt >= digits.length) out = digits + '0'.repeat(pointAt - digits.length);
  else out = digits.slice(0, pointAt) + '.' + digits.slice(pointAt);
  return (negative ? '-' : '') + out;
}

/** A Map(LowCardinality(String), String) in RowBinary: count, then key/value strings. */
export function writeMap(w: RowBinaryWriter, attributes: readonly KeyValue[]): void {
  w.varint(attributes.length);
  for (let i = 0; i < attributes.length; i++) {
    const kv = attributes[i]!;
    w.string(kv.key);
    const v = kv.value;
    w.string(typeof v === 'string' ? v : anyValueToString(v));
  }
}

export function attributeValue(attributes: readonly KeyValue[], key: string): string {
  for (const kv of attributes) if (kv.key === key) return anyValueToString(kv.value);
  return '';
}

const HEX_ID = /^[0-9a-f]+$/;

/** A valid trace id is 32 lowercase hex digits, not all zero (OTLP). */
export function isValidTraceId(id: string): boolean {
  return id.length === 32 && HEX_ID.test(id) && id !== '00000000000000000000000000000000';
}

export function isValidSpanId(id: string): boolean {
  return id.length === 16 && HEX_ID.test(id) && id !== '0000000000000000';
}

/** An optional id ('' when absent) that, when present, has the right form. */
export function isValidOptionalId(id: string, valid: (id: string) => boolean): boolean {
  return id === '' || valid(id);
}
