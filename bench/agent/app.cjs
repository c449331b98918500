// The benchmark's application: plain JavaScript, like the applications the agent instruments.
// GET /trivial answers at once; GET /db runs one PostgreSQL query and one Redis round trip.
// Prints "listening <port>" when ready (the startup time is measured to that line).
const express = require('express');
const { Pool } = require('pg');
const Redis = require('ioredis');

const pool = new Pool({ connectionString: process.env.PG_URL, max: 10 });
const redis = new Redis(process.env.REDIS_URL, { lazyConnect: false });
const app = express();

app.get('/trivial', (_req, res) => {
  res.json({ ok: true });
});

app.get('/db', async (req, res, next) => {
  try {
    const id = Number(req.query.id ?? 1);
    const { rows } = await pool.query('SELECT $1::int + 1 AS next, now() AS at', [id]);
    await redis.set(`bench:${id % 100}`, String(rows[0].next));
    const cached = await redis.get(`bench:${id % 100}`);
    res.json({ next: rows[0].next, cached });
  } catch (err) {
    next(err);
  }
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

const stop = () => {
  server.close();
  pool.end().catch(() => {});
  redis.disconnect();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
