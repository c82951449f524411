'use strict';
// The node sample: a small HTTP server on Node's standard library.
const http = require('http');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const port = Number(process.env.PORT || 3000);
const quotes = JSON.parse(fs.readFileSync(path.join(__dirname, 'quotes.json'), 'utf8'));

function send(res, status, obj, req) {
  let body = Buffer.from(JSON.stringify(obj) + '\n');
  const headers = { 'Content-Type': 'application/json', 'X-Node-Version': process.versions.node };
  if (req && /\bgzip\b/.test(req.headers['accept-encoding'] || '')) {
    body = zlib.gzipSync(body);
    headers['Content-Encoding'] = 'gzip';
  }
  headers['Content-Length'] = body.length;
  res.writeHead(status, headers);
  res.end(body);
}

const routes = {
  '/': () => ({ service: 'node', endpoints: ['/healthz', '/api/quote?n=0', '/api/hash?text=TEXT', '/api/time'] }),
  '/healthz': () => ({ status: 'ok' }),
  '/api/quote': (q) => {
    const n = Number(q.get('n') || 0);
    if (!Number.isInteger(n) || n < 0 || n >= quotes.length) throw new RangeError('no such quote');
    return { n, quote: quotes[n] };
  },
  '/api/hash': (q) => {
    const crypto = require('crypto');
    const format = require('./lib/format');
    return format('sha256', crypto.createHash('sha256').update(q.get('text') || '').digest('hex'));
  },
  '/api/time': () => ({ epoch: 0, iso: new Date(0).toISOString(),
    formatted: new Intl.DateTimeFormat('de-DE', { timeZone: 'UTC', dateStyle: 'full' }).format(new Date(0)) }),
};

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const route = routes[url.pathname];
  if (!route) return send(res, 404, { error: 'not found', path: url.pathname }, req);
  try {
    send(res, 200, route(url.searchParams), req);
  } catch (e) {
    send(res, 400, { error: e.message }, req);
  }
}).listen(port, () => console.log(`node: listening on :${port}`));

process.on('SIGTERM', () => process.exit(0));
