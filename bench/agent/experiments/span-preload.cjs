'use strict';
// A hand-written stand-in for the agent, for bisecting its cost (bench/agent/RESULTS.md, seventh
// session): a span object per request (12 attributes from the request), ended on the response's
// 'close' and encoded (name, times, attributes as bytes into a reused array). No context, no
// export. Run it as a variant: npm run bench:agent-profile -- mini=preload:bench/agent/experiments/span-preload.cjs
// SPAN_PRELOAD=noencode leaves out the encoding. Grow it towards the agent one piece at a time
// (AsyncLocalStorage around the handler, emit wrappers, ...) to find what slows the app's own code.
const http = require('node:http');

const SPAN = Symbol('span');
const ENCODE = process.env.SPAN_PRELOAD !== 'noencode';
const buf = new Uint8Array(1 << 20);
let pos = 0;

function str(s) {
  if (pos + s.length * 3 + 8 > buf.length) pos = 0;
  buf[pos++] = s.length & 0x7f;
  for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
}

function num(n) {
  if (pos + 8 > buf.length) pos = 0;
  for (let i = 0; i < 8; i++) {
    buf[pos++] = n & 0xff;
    n = Math.floor(n / 256);
  }
}

class Span {
  constructor(name, attributes, request) {
    this.name = name;
    this.attributes = attributes;
    this.request = request;
    this.start = Date.now();
    this.end = 0;
  }
}

const serverEmit = http.Server.prototype.emit;
http.Server.prototype.emit = function emit(event, req, res) {
  if (event === 'request') {
    const h = req.headers;
    res[SPAN] = new Span(
      req.method,
      {
        'http.request.method': req.method,
        'url.scheme': 'http',
        'url.path': req.url,
        'server.address': '127.0.0.1',
        'server.port': req.socket.localPort,
        'network.peer.address': req.socket.remoteAddress,
        'network.peer.port': req.socket.remotePort,
        'user_agent.original': h['user-agent'] ?? '',
        'network.protocol.version': req.httpVersion,
        'client.address': req.socket.remoteAddress,
        'http.request.header.accept': h['accept'] ?? '',
        'http.request.header.user-agent': h['user-agent'] ?? '',
      },
      req,
    );
  }
  return serverEmit.apply(this, arguments);
};

const responseEmit = http.ServerResponse.prototype.emit;
http.ServerResponse.prototype.emit = function emit(event) {
  const span = event === 'close' ? this[SPAN] : undefined;
  if (span) {
    span.end = Date.now();
    span.attributes['http.response.status_code'] = this.statusCode;
    const route = span.request.route;
    if (route) {
      span.attributes['http.route'] = route.path;
      span.name = `${span.name} ${route.path}`;
    }
    if (ENCODE) {
      str(span.name);
      num(span.start);
      num(span.end);
      for (const key in span.attributes) {
        const value = span.attributes[key];
        str(key);
        if (typeof value === 'string') str(value);
        else num(value);
      }
    }
  }
  return responseEmit.apply(this, arguments);
};
