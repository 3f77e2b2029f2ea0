// node-postgres (pg) with the pgvector npm package against OmenDB through
// the PostgreSQL protocol: pgvector.registerTypes finds the vector type in
// pg_type, pgvector.toSql writes vectors, multi-row INSERT batches with
// parameters, an HNSW index, top-10 recall with and without a filter, named
// (prepared) queries, a pool of 4 clients and an error's SQLSTATE.
// Run through run.sh under omendb-local (PGHOST, PGPORT, PGUSER, PGDATABASE).
import pg from 'pg';
import pgvector from 'pgvector/pg';

const DIM = 32;
const ROWS = 10000;
const QUERIES = 30;
const K = 10;
const MIN_RECALL = 0.95;
const EF_SEARCH = 100;

// splitmix64 on BigInt: the same data on every machine.
function rng(seed) {
  let s = BigInt(seed);
  const M = (1n << 64n) - 1n;
  return () => {
    s = (s + 0x9e3779b97f4a7c15n) & M;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
    z ^= z >> 31n;
    return Number(z >> 40n) / 16777216; // 24 bits: exact as float32
  };
}

const next = rng(5);
const vectors = [];
const categories = [];
for (let i = 0; i < ROWS; i++) {
  vectors.push(Float32Array.from({ length: DIM }, () => next()));
  categories.push(Math.floor(next() * 10));
}
const queries = Array.from({ length: QUERIES }, () => Float32Array.from({ length: DIM }, () => next()));

function exact(q, category) {
  const scored = [];
  for (let i = 0; i < ROWS; i++) {
    if (category !== undefined && categories[i] !== category) continue;
    let s = 0;
    for (let j = 0; j < DIM; j++) {
      const d = vectors[i][j] - q[j];
      s += d * d;
    }
    scored.push([s, i + 1]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return scored.slice(0, K).map((x) => x[1]);
}

function recall(found, want) {
  const set = new Set(found.map(Number));
  return want.filter((id) => set.has(id)).length / want.length;
}

function check(cond, what) {
  if (!cond) throw new Error(what);
}

function checkRecall(label, recalls) {
  const avg = recalls.reduce((a, b) => a + b, 0) / recalls.length;
  console.log(`     ${label}: recall@${K} ${avg.toFixed(3)} over ${recalls.length} queries (min ${Math.min(...recalls).toFixed(2)})`);
  check(avg >= MIN_RECALL, `${label}: recall ${avg.toFixed(3)} < ${MIN_RECALL}`);
}

const client = new pg.Client();

async function registerTypesFindsVector() {
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS vector');
  await pgvector.registerTypes(client);
  const { rows } = await client.query("SELECT '[1,2.5,-3]'::vector AS v");
  check(JSON.stringify(rows[0].v) === '[1,2.5,-3]', `parsed ${JSON.stringify(rows[0].v)}`);
}

async function batchedInsertsLoadAllRows() {
  await client.query(`CREATE TABLE items (id bigint PRIMARY KEY, category integer, embedding vector(${DIM}))`);
  const BATCH = 500;
  for (let start = 0; start < ROWS; start += BATCH) {
    const params = [];
    const tuples = [];
    for (let i = start; i < Math.min(start + BATCH, ROWS); i++) {
      const n = params.length;
      tuples.push(`($${n + 1}, $${n + 2}, $${n + 3})`);
      params.push(i + 1, categories[i], pgvector.toSql(Array.from(vectors[i])));
    }
    const res = await client.query(`INSERT INTO items (id, category, embedding) VALUES ${tuples.join(', ')}`, params);
    check(res.rowCount === tuples.length, `batch at ${start}: rowCount ${res.rowCount}`);
  }
  const { rows } = await client.query('SELECT count(*) AS n FROM items');
  check(Number(rows[0].n) === ROWS, `count(*) = ${rows[0].n}`);
}

async function createIndexHnswBuilds() {
  const res = await client.query('CREATE INDEX ON items USING hnsw (embedding vector_l2_ops)');
  check(res.command === 'CREATE', `command ${res.command}`);
  await client.query(`SET hnsw.ef_search = ${EF_SEARCH}`);
}

async function searchRecallWithNamedQuery() {
  const recalls = [];
  for (const q of queries) {
    const res = await client.query({
      name: 'knn',
      text: 'SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10',
      values: [pgvector.toSql(Array.from(q))],
    });
    check(res.rows.length === K, `${res.rows.length} rows`);
    recalls.push(recall(res.rows.map((r) => r.id), exact(q)));
  }
  checkRecall('named query', recalls);
}

async function filteredSearchRecall() {
  await client.query('SET hnsw.iterative_scan = strict_order');
  const recalls = [];
  for (const q of queries) {
    const res = await client.query(
      'SELECT id, category FROM items WHERE category = $1 ORDER BY embedding <-> $2 LIMIT 10',
      [3, pgvector.toSql(Array.from(q))],
    );
    check(res.rows.length === K && res.rows.every((r) => r.category === 3), `rows ${JSON.stringify(res.rows)}`);
    recalls.push(recall(res.rows.map((r) => r.id), exact(q, 3)));
  }
  await client.query('RESET hnsw.iterative_scan');
  checkRecall('filter category = 3', recalls);
}

async function typeParserReadsVectors() {
  const res = await client.query('SELECT id, embedding FROM items WHERE id IN (1, 2500, 10000) ORDER BY id');
  check(res.rows.map((r) => Number(r.id)).join() === '1,2500,10000', 'ids');
  for (const r of res.rows) {
    const want = Array.from(vectors[Number(r.id) - 1]);
    check(Array.isArray(r.embedding) && r.embedding.length === DIM, `id ${r.id}: ${typeof r.embedding}`);
    check(r.embedding.every((x, j) => Math.fround(x) === want[j]), `id ${r.id} differs`);
  }
}

async function poolOf4RunsConcurrentQueries() {
  const pool = new pg.Pool({ max: 4 });
  const search = async (q) => {
    const c = await pool.connect();
    try {
      await c.query(`SET hnsw.ef_search = ${EF_SEARCH}`);
      const res = await c.query('SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10', [pgvector.toSql(Array.from(q))]);
      return recall(res.rows.map((r) => r.id), exact(q));
    } finally {
      c.release();
    }
  };
  try {
    const jobs = [];
    for (let round = 0; round < 4; round++) {
      for (const q of queries) jobs.push(search(q));
    }
    checkRecall(`pool of 4, ${jobs.length} concurrent queries`, await Promise.all(jobs));
  } finally {
    await pool.end();
  }
}

async function wrongDimensionFails22000() {
  let err;
  try {
    await client.query('INSERT INTO items (id, category, embedding) VALUES ($1, $2, $3)', [
      50001,
      1,
      pgvector.toSql([1, 2, 3]),
    ]);
  } catch (e) {
    err = e;
  }
  check(err && err.code === '22000', `error ${err && err.code}: ${err && err.message}`);
  const { rows } = await client.query('SELECT 1 AS one');
  check(rows[0].one === 1, 'connection unusable after the error');
}

const tests = [
  registerTypesFindsVector,
  batchedInsertsLoadAllRows,
  createIndexHnswBuilds,
  searchRecallWithNamedQuery,
  filteredSearchRecall,
  typeParserReadsVectors,
  poolOf4RunsConcurrentQueries,
  wrongDimensionFails22000,
];

let passed = 0;
let failed = 0;
console.log(`against ${process.env.PGHOST}:${process.env.PGPORT}`);
for (const t of tests) {
  const t0 = Date.now();
  try {
    await t();
    passed++;
    console.log(`ok   ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)} s): ${e.stack || e}`);
  }
}
await client.end().catch(() => {});
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
