/**
 * The bare peer `make bench` measures Gatehouse against: the least a Node
 * server can do to answer "give me this user" from PostgreSQL. `node:http` and
 * `pg` only: a pool of 10, one prepared (named) primary-key SELECT per request,
 * JSON out; no auth, no validation, no logging.
 *
 *   GET /users/<id>  200 with the row, 404 when there is none
 *
 * Plain CommonJS on purpose: it runs under plain `node` with no TypeScript
 * loader (tsx would add its own CPU to every figure we divide by) and no
 * compile step, and `pg` ships no types for a .ts file to lean on.
 *
 * Settings: DATABASE_URL, PORT.
 */
const { Buffer } = require('node:buffer');
const http = require('node:http');
const { Pool } = require('pg');

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const userById = {
  // A name makes pg prepare it once per connection, then send only Bind/Execute.
  name: 'bench-user-by-id',
  text: 'select id, username, email, full_name, roles, is_active, created_at, updated_at from users where id = $1',
};

const server = http.createServer((req, res) => {
  const match = /^\/users\/([0-9a-f-]{36})$/.exec(req.url ?? '');
  if (req.method !== 'GET' || !match) return send(res, 404, { title: 'Not Found' });
  pool.query({ ...userById, values: [match[1]] }).then(
    (result) => (result.rows[0] ? send(res, 200, result.rows[0]) : send(res, 404, { title: 'Not Found' })),
    (error) => {
      console.error(error);
      send(res, 500, { title: 'Internal Server Error' });
    },
  );
});

function send(res, status, body) {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1');

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => pool.end().then(() => process.exit(0))));
}
