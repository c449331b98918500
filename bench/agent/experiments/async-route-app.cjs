// Experiment app: one route whose handler awaits MODE's work, for bench/agent/experiments/survival-at-rate.sh.
// MODE=pg (one PostgreSQL query), redis (SET and GET), both, sleep (a 3 ms timer), immediate (setImmediate),
// derive (setImmediate in a context derived from the active one, through @opentelemetry/api), derive-pg
// (the pg query in such a context).
// IDLE sets pg's idleTimeoutMillis (default 10000). Prints "listening <port>".
const http = require('node:http');
const { Pool } = require('pg');
const Redis = require('ioredis');
const api = require('@opentelemetry/api');

const mode = process.env.MODE ?? 'pg';
const DERIVED_KEY = Symbol('experiment.derived');
const pool = new Pool({
  connectionString: process.env.PG_URL,
  max: 10,
  idleTimeoutMillis: Number(process.env.IDLE ?? 10000),
});
const redis = new Redis(process.env.REDIS_URL);

const server = http.createServer(async (_req, res) => {
  try {
    let v = 1;
    if (mode === 'pg' || mode === 'both')
      v = (await pool.query('SELECT $1::int + 1 AS next', [1])).rows[0].next;
    if (mode === 'sleep') await new Promise((resolve) => setTimeout(resolve, 3));
    if (mode === 'immediate') await new Promise((resolve) => setImmediate(resolve));
    if (mode === 'derive' || mode === 'derive-pg') {
      // What an instrumentation does before an asynchronous call: a context derived from the active one.
      const base = process.env.DERIVE_FROM === 'root' ? api.ROOT_CONTEXT : api.context.active();
      const derived = base.setValue(DERIVED_KEY, 1);
      if (mode === 'derive')
        await api.context.with(derived, () => new Promise((resolve) => setImmediate(resolve)));
      else
        v = (await api.context.with(derived, () => pool.query('SELECT $1::int + 1 AS next', [1]))).rows[0]
          .next;
    }
    if (mode === 'redis' || mode === 'both') {
      await redis.set('k', String(v));
      await redis.get('k');
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ v }));
  } catch (err) {
    res.statusCode = 500;
    res.end(String(err));
  }
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () =>
  process.stdout.write(`listening ${server.address().port}\n`),
);
process.once('SIGTERM', () => {
  server.close();
  pool.end();
  redis.disconnect();
});
