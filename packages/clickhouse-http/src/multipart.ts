/**
 * A minimal multipart/form-data reader: @clickhouse/client sends the query and
 * `param_*` values as form fields when they are too long for the URL.
 * File parts (ClickHouse's external tables) are reported, not read.
 */

export interface MultipartFields {
  readonly fields: ReadonlyArray<readonly [name: string, value: string]>;
  readonly hasFiles: boolean;
}

/** The boundary of a multipart/form-data Content-Type, or undefined for other types. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\/form-data\s*;/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

export function parseMultipart(body: Buffer, boundary: string): MultipartFields | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: Array<readonly [string, string]> = [];
  let hasFiles = false;
  let pos = body.indexOf(delimiter);
  if (pos === -1) return undefined;
  for (;;) {
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break; // closing "--boundary--"
    const headersStart = skipLineBreak(body, pos);
    const headersEnd = body.indexOf('\r\n\r\n', headersStart);
    if (headersEnd === -1) return undefined;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headersEnd + 4);
    if (next === -1) return undefined;
    const headers = body.subarray(headersStart, headersEnd).toString('utf8');
    const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? '';
    const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
    if (/;\s*filename=/i.test(disposition)) hasFiles = true;
    else if (name !== undefined) fields.push([name, body.subarray(headersEnd + 4, next).toString('utf8')]);
    pos = next + 2;
  }
  return { fields, hasFiles };
}

function skipLineBreak(body: Buffer, pos: number): number {
  if (body[pos] === 0x0d && body[pos + 1] === 0x0a) return pos + 2;
  if (body[pos] === 0x0a) return pos + 1;
  return pos;
}
