'use strict';
// A hand-written stand-in for the agent, for bisecting its cost (bench/agent/RESULTS.md, seventh
// session): a span object per request (12 attributes from the request), ended on the response's
// 'close' and encoded (name, times, attributes as bytes into a reused array). No context, no
// export. Run it as a variant: npm run bench:agent-profile -- mini=preload:bench/agent/experiments/span-preload.cjs
// SPAN_PRELOAD (comma-separated): `noencode` leaves out the encoding; `context` runs the handler and
// the request's and response's events in an AsyncLocalStorage holding the span, as the agent does.
// Grow it towards the agent one piece at a time to find what slows the app's own code (the router).
const http = require('node:http');
const { AsyncLocalStorage } = require('node:async_hooks');

const SPAN = Symbol('span');
const OPTIONS = (process.env.SPAN_PRELOAD ?? '').split(',');
const ENCODE = !OPTIONS.includes('noencode');
const als = OPTIONS.includes('context') ? new AsyncLocalStorage() : undefined;
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
    if (als) {
      req[SPAN] = res[SPAN];
      const args = arguments;
      return als.run(res[SPAN], () => Reflect.apply(serverEmit, this, args));
    }
  }
  return serverEmit.apply(this, arguments);
};

/** Runs a marked message's events in its span's context (when `context` is on). */
function inContext(original) {
  return function emit() {
    const span = this[SPAN];
    if (!als || span === undefined || als.getStore() === span)
      return Reflect.apply(original, this, arguments);
    const args = arguments;
    return als.run(span, () => Reflect.apply(original, this, args));
  };
}
http.IncomingMessage.prototype.emit = inContext(http.IncomingMessage.prototype.emit);

const responseEmit = inContext(http.ServerResponse.prototype.emit);
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
