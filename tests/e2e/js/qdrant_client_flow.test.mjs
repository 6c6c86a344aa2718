// End-to-end flow of the real @qdrant/js-client-rest against a running Sextant server.
//
//   SEXTANT_URL=http://127.0.0.1:6333 node --test qdrant_client_flow.test.mjs
//
// Uses a tiny hand-made dataset with Dot distance and dyadic coordinates, so every
// expected score is exact in float32 and the expected rankings have no ties.
// The legacy `search()` method was removed from the 1.19 client, so it is exercised
// with the 1.18.0 client (installed under the npm alias `qdrant-js-client-rest-1-18`).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { QdrantClient } from '@qdrant/js-client-rest';
import { QdrantClient as QdrantClient118 } from 'qdrant-js-client-rest-1-18';

const URL_ = process.env.SEXTANT_URL;
if (!URL_) throw new Error('SEXTANT_URL is not set (e.g. http://127.0.0.1:6333)');

// --- make the client's asynchronous version check observable -------------------------
// The client only reports an incompatible / unreachable server through console.warn.
const warnings = [];
const origWarn = console.warn;
console.warn = (...args) => {
  warnings.push(args.map(String).join(' '));
  origWarn(...args);
};
const VERSION_WARNING = /incompatible|failed to obtain server version|unable to check client-server compatibility/i;

const client = new QdrantClient({ url: URL_ });
const legacy = new QdrantClient118({ url: URL_ });

const COL = `sextant_js_flow_${process.pid}_${Date.now()}`;
const OTHER = `${COL}_missing`;

// --- dataset ----------------------------------------------------------------------------
const U = {
  A: '0c8e6a1e-1d2b-4c3d-8e4f-5a6b7c8d9e0f',
  B: '7f3a2b1c-9d8e-4f7a-8b6c-5d4e3f2a1b0c',
  C: 'c1d2e3f4-a5b6-4c7d-9e8f-0a1b2c3d4e5f',
};
// points form
const POINTS = [
  { id: 1, vector: [1, 0, 0, 0], payload: { name: 'one', group: 'a', n: 1 } },
  { id: 2, vector: [0, 1, 0, 0], payload: { name: 'two', group: 'b', n: 2 } },
  { id: 3, vector: [0.5, 0.5, 0, 0], payload: { name: 'three', group: 'a', n: 3, tags: ['x', 'y'] } },
  { id: 10, vector: [0, 0, 1, 0], payload: { name: 'ten', group: 'b', n: 10, nested: { k: 'v' } } },
  { id: U.A, vector: [0.25, 0.75, 0, 0.5], payload: { name: 'uuid-a', group: 'a', n: 100 } },
  { id: U.B, vector: [-1, 0, 0, 1], payload: { name: 'uuid-b', group: 'b', n: 101 } },
];
// batch form
const BATCH = {
  ids: [4, U.C],
  vectors: [
    [0, 0, 0.5, 0.5],
    [0.75, 0.25, 0.25, 0],
  ],
  payloads: [
    { name: 'four', group: 'b', n: 4 },
    { name: 'uuid-c', group: 'b', n: 102 },
  ],
};
const ALL = [
  ...POINTS,
  ...BATCH.ids.map((id, i) => ({ id, vector: BATCH.vectors[i], payload: BATCH.payloads[i] })),
];
const byId = new Map(ALL.map((p) => [p.id, p]));

// Qdrant's id order: unsigned integers ascending, then UUIDs (u128 order == canonical hex order).
function cmpId(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const QUERY = [1, 0.5, 0, 0];
// Dot scores for QUERY (exact):
//   1 -> 1, C -> 0.875, 3 -> 0.75, A -> 0.625, 2 -> 0.5, 10 -> 0, 4 -> 0, B -> -1
const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);

async function expectStatus(promise, status, what) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `${what}: expected an error with HTTP ${status}, but the call succeeded`);
  assert.equal(err.status, status, `${what}: expected HTTP ${status}, got ${err.status} (${err.message})`);
  // Error body must be the Qdrant error envelope.
  assert.equal(typeof err.data?.status?.error, 'string', `${what}: error body lacks status.error: ${JSON.stringify(err.data)}`);
  return err;
}

after(async () => {
  try {
    await client.deleteCollection(COL);
  } catch {
    /* best effort */
  }
  console.warn = origWarn;
});

test('GET / answers with a compatible version and the client prints no version warning', async () => {
  const info = await client.versionInfo();
  assert.equal(typeof info.version, 'string');
  assert.match(info.version, /^1\.(18|19|20)\./);
  assert.equal(typeof info.title, 'string');
  // Let the constructor's fire-and-forget GET / settle.
  await new Promise((r) => setTimeout(r, 300));
  const bad = warnings.filter((w) => VERSION_WARNING.test(w));
  assert.deepEqual(bad, [], 'client printed a version-compatibility warning');
});

test('create collection (Dot, 4 dims, hnsw_config)', async () => {
  assert.equal((await client.collectionExists(COL)).exists, false);
  const ok = await client.createCollection(COL, {
    vectors: { size: 4, distance: 'Dot' },
    hnsw_config: { m: 16, ef_construct: 100 },
  });
  assert.equal(ok, true);
  const { collections } = await client.getCollections();
  assert.ok(Array.isArray(collections));
  assert.ok(collections.some((c) => c.name === COL), `getCollections lacks ${COL}`);
  assert.deepEqual(await client.collectionExists(COL), { exists: true });

  const info = await client.getCollection(COL);
  assert.ok(['green', 'yellow', 'grey'].includes(info.status), `status ${info.status}`);
  assert.equal(info.points_count ?? 0, 0);
  assert.equal(info.config.params.vectors.size, 4);
  assert.equal(info.config.params.vectors.distance, 'Dot');
  assert.equal(info.config.hnsw_config.m, 16);
  assert.equal(info.config.hnsw_config.ef_construct, 100);
});

test('error: creating the same collection twice -> 409', async () => {
  await expectStatus(
    client.createCollection(COL, { vectors: { size: 4, distance: 'Dot' } }),
    409,
    'second createCollection',
  );
});

test('upsert: points form (int + UUID ids) and batch form', async () => {
  const r1 = await client.upsert(COL, { wait: true, points: POINTS });
  assert.equal(r1.status, 'completed');
  assert.equal(typeof r1.operation_id, 'number');
  const r2 = await client.upsert(COL, { batch: BATCH }); // wait defaults to true in the client
  assert.equal(r2.status, 'completed');

  const info = await client.getCollection(COL);
  assert.equal(info.points_count, ALL.length);
  assert.deepEqual(await client.count(COL), { count: ALL.length });
  assert.deepEqual(await client.count(COL, { exact: true }), { count: ALL.length });
});

test('error: wrong vector dimension -> 400 (upsert and query)', async () => {
  await expectStatus(
    client.upsert(COL, { points: [{ id: 99, vector: [1, 2, 3], payload: {} }] }),
    400,
    'upsert 3-dim vector into 4-dim collection',
  );
  await expectStatus(client.query(COL, { query: [1, 0, 0], limit: 3 }), 400, 'query with 3-dim vector');
  assert.equal((await client.count(COL)).count, ALL.length, 'failed upsert must not add a point');
});

test('error: querying a missing collection -> 404', async () => {
  await expectStatus(client.query(OTHER, { query: QUERY, limit: 3 }), 404, 'query on missing collection');
  await expectStatus(client.getCollection(OTHER), 404, 'getCollection on missing collection');
});

test('query: exact Dot ranking and scores', async () => {
  const res = await client.query(COL, { query: QUERY, limit: 3 });
  assert.ok(Array.isArray(res.points));
  assert.deepEqual(
    res.points.map((p) => p.id),
    [1, U.C, 3],
  );
  assert.deepEqual(
    res.points.map((p) => p.score),
    [1, 0.875, 0.75],
  );
  for (const p of res.points) {
    assert.equal(typeof p.version, 'number', 'ScoredPoint.version is required');
    assert.ok(p.payload == null, 'with_payload defaults to false for query');
    assert.ok(p.vector == null, 'with_vector defaults to false for query');
  }

  // with payload + vector, as RAG integrations send it
  const f = await client.query(COL, {
    query: QUERY,
    limit: 4,
    with_payload: true,
    with_vector: true,
  });
  assert.deepEqual(
    f.points.map((p) => p.id),
    [1, U.C, 3, U.A],
  );
  assert.deepEqual(
    f.points.map((p) => p.score),
    [1, 0.875, 0.75, 0.625],
  );
  for (const p of f.points) {
    assert.deepEqual(p.payload, byId.get(p.id).payload);
    assert.deepEqual(p.vector, byId.get(p.id).vector);
  }

  // payload selector as LangChain sends it
  const sel = await client.query(COL, { query: QUERY, limit: 1, with_payload: ['name', 'n'] });
  assert.deepEqual(sel.points[0].payload, { name: 'one', n: 1 });

  // offset
  const off = await client.query(COL, { query: QUERY, limit: 2, offset: 2 });
  assert.deepEqual(
    off.points.map((p) => p.id),
    [3, U.A],
  );

  // all scores agree with a hand computation
  const full = await client.query(COL, { query: QUERY, limit: 100 });
  assert.equal(full.points.length, ALL.length);
  for (const p of full.points) assert.equal(p.score, dot(QUERY, byId.get(p.id).vector), `score of ${p.id}`);
  for (let i = 1; i < full.points.length; i++) assert.ok(full.points[i - 1].score >= full.points[i].score, 'descending scores');
});

test('search (legacy POST /points/search via client 1.18.0)', async () => {
  const res = await legacy.search(COL, { vector: QUERY, limit: 3 });
  assert.ok(Array.isArray(res), 'legacy search returns a bare array of ScoredPoint');
  assert.deepEqual(
    res.map((p) => p.id),
    [1, U.C, 3],
  );
  assert.deepEqual(
    res.map((p) => p.score),
    [1, 0.875, 0.75],
  );
  // the 1.18 client defaults with_payload to true for search
  for (const p of res) assert.deepEqual(p.payload, byId.get(p.id).payload);

  const noPayload = await legacy.search(COL, {
    vector: QUERY,
    limit: 4,
    with_payload: false,
  });
  assert.deepEqual(
    noPayload.map((p) => p.id),
    [1, U.C, 3, U.A],
  );
  assert.deepEqual(
    noPayload.map((p) => p.score),
    [1, 0.875, 0.75, 0.625],
  );
  for (const p of noPayload) assert.ok(p.payload == null, 'with_payload: false must not return a payload');
});

test('retrieve by ids (with_payload, with_vector; missing ids skipped)', async () => {
  const recs = await client.retrieve(COL, { ids: [1, U.A, 999, 10], with_payload: true, with_vector: true });
  assert.equal(recs.length, 3, 'missing id 999 must be silently skipped');
  const got = new Map(recs.map((r) => [r.id, r]));
  for (const id of [1, U.A, 10]) {
    assert.ok(got.has(id), `retrieve lacks ${id}`);
    assert.deepEqual(got.get(id).payload, byId.get(id).payload);
    assert.deepEqual(got.get(id).vector, byId.get(id).vector);
  }
  const noVec = await client.retrieve(COL, { ids: [2] });
  assert.equal(noVec.length, 1);
  assert.deepEqual(noVec[0].payload, byId.get(2).payload, 'with_payload defaults to true for retrieve');
  assert.ok(noVec[0].vector == null, 'with_vector defaults to false for retrieve');
});

test('scroll through all pages (limit 2, inclusive next_page_offset)', async () => {
  const expected = ALL.map((p) => p.id).sort(cmpId);
  const seen = [];
  let offset;
  let pages = 0;
  for (;;) {
    const page = await client.scroll(COL, { limit: 2, offset, with_payload: true, with_vector: false });
    pages++;
    assert.ok(pages <= ALL.length + 1, 'scroll does not terminate');
    assert.ok(page.points.length > 0, 'no empty pages expected');
    assert.ok(page.points.length <= 2);
    if (offset !== undefined) assert.deepEqual(page.points[0].id, offset, 'offset is inclusive');
    for (const p of page.points) {
      seen.push(p.id);
      assert.deepEqual(p.payload, byId.get(p.id).payload);
    }
    if (page.next_page_offset === null || page.next_page_offset === undefined) {
      assert.equal(page.next_page_offset, null, 'next_page_offset must be null (not missing) at the end');
      break;
    }
    offset = page.next_page_offset;
  }
  assert.equal(new Set(seen.map(String)).size, seen.length, 'an id was returned twice');
  assert.deepEqual(seen, expected, 'scroll order: integer ids ascending, then UUIDs');
  assert.equal(pages, Math.ceil(ALL.length / 2));

  // one big page
  const all = await client.scroll(COL, { limit: 100 });
  assert.deepEqual(
    all.points.map((p) => p.id),
    expected,
  );
  assert.equal(all.next_page_offset, null);
});

test('count', async () => {
  assert.deepEqual(await client.count(COL), { count: ALL.length });
  assert.deepEqual(await client.count(COL, { exact: true }), { count: ALL.length });
});

// Filters through the real client: query, legacy search, scroll, count, payload
// indexes, payload operations by filter, delete by filter, and a bad filter -> 400.
// Leaves the collection as it found it (the tests below count on ALL).
test('filters, payload indexes and payload operations', async () => {
  const groupA = { must: [{ key: 'group', match: { value: 'a' } }] };
  const inA = ALL.filter((p) => p.payload.group === 'a');
  const ranked = [...inA].sort((x, y) => dot(y.vector, QUERY) - dot(x.vector, QUERY));
  const q = await client.query(COL, { query: QUERY, limit: 3, filter: groupA });
  assert.deepEqual(q.points.map((p) => p.id), ranked.map((p) => p.id));
  assert.deepEqual(q.points.map((p) => p.score), ranked.map((p) => dot(p.vector, QUERY)));
  const s = await legacy.search(COL, { vector: QUERY, limit: 2, filter: groupA });
  assert.deepEqual(s.map((p) => p.id), ranked.slice(0, 2).map((p) => p.id));
  const page = await client.scroll(COL, { limit: 100, filter: groupA });
  assert.deepEqual(page.points.map((p) => p.id), inA.map((p) => p.id).sort(cmpId));
  assert.deepEqual(await client.count(COL, { filter: groupA }), { count: inA.length });
  const big = { must: [{ key: 'n', range: { gte: 4 } }], must_not: [{ has_id: [4] }] };
  assert.deepEqual(await client.count(COL, { filter: big }), {
    count: ALL.filter((p) => p.payload.n >= 4 && p.id !== 4).length,
  });
  assert.deepEqual(await client.count(COL, { filter: { must: [{ key: 'tags', match: { any: ['y'] } }] } }), { count: 1 });
  assert.deepEqual(await client.count(COL, { filter: { must: [{ key: 'nested.k', match: { value: 'v' } }] } }), { count: 1 });

  // a payload index: same answers, listed in the collection info with its point count
  const created = await client.createPayloadIndex(COL, { wait: true, field_name: 'group', field_schema: 'keyword' });
  assert.equal(created.status, 'completed');
  const info = await client.getCollection(COL);
  assert.deepEqual(info.payload_schema.group, { data_type: 'keyword', points: ALL.length });
  const q2 = await client.query(COL, { query: QUERY, limit: 3, filter: groupA });
  assert.deepEqual(q2.points.map((p) => p.id), ranked.map((p) => p.id));
  await expectStatus(
    client.count(COL, { filter: { must: [{ key: 'group', match: { value: 7 } }] } }),
    400,
    'integer match on a keyword index',
  );

  // payload operations by filter, undone again
  await client.setPayload(COL, { wait: true, payload: { flag: true }, filter: groupA });
  const flagged = { must: [{ key: 'flag', match: { value: true } }] };
  assert.deepEqual(await client.count(COL, { filter: flagged }), { count: inA.length });
  await client.deletePayload(COL, { wait: true, keys: ['flag'], filter: groupA });
  assert.deepEqual(await client.count(COL, { filter: flagged }), { count: 0 });
  for (const p of await client.retrieve(COL, { ids: inA.map((p) => p.id) })) {
    assert.deepEqual(p.payload, byId.get(p.id).payload, 'payload back as it was');
  }

  // delete by a filter that matches nothing; a malformed filter is a 400 and deletes nothing
  await client.delete(COL, { wait: true, filter: { must: [{ key: 'group', match: { value: 'zzz' } }] } });
  await expectStatus(client.delete(COL, { wait: true, filter: { wrong: 'query' } }), 400, 'delete with a bad filter');
  await expectStatus(client.query(COL, { query: QUERY, filter: { must: [{ key: 'n', range: { gte: 'soon' } }] } }), 400, 'bad datetime');
  assert.deepEqual(await client.count(COL), { count: ALL.length });

  await client.deletePayloadIndex(COL, 'group', { wait: true });
  assert.equal((await client.getCollection(COL)).payload_schema.group, undefined);
});

test('delete by ids', async () => {
  const r = await client.delete(COL, { wait: true, points: [2, U.B] });
  assert.equal(r.status, 'completed');
  assert.deepEqual(await client.count(COL), { count: ALL.length - 2 });
  assert.deepEqual(await client.retrieve(COL, { ids: [2, U.B] }), []);
  assert.equal((await client.retrieve(COL, { ids: [1, U.A] })).length, 2);

  // LangChain's form: wait=true&ordering=weak; mixed integer and UUID ids
  const r2 = await client.delete(COL, { wait: true, ordering: 'weak', points: [10, 4, U.C] });
  assert.equal(r2.status, 'completed');
  assert.deepEqual(await client.count(COL), { count: 3 });
  const left = await client.scroll(COL, { limit: 10 });
  assert.deepEqual(
    left.points.map((p) => p.id),
    [1, 3, U.A],
  );
  assert.equal((await client.getCollection(COL)).points_count, 3);
  const q = await client.query(COL, { query: QUERY, limit: 3 });
  assert.deepEqual(
    q.points.map((p) => p.id),
    [1, 3, U.A],
  );
  assert.deepEqual(
    q.points.map((p) => p.score),
    [1, 0.75, 0.625],
  );
});

test('delete collection', async () => {
  assert.equal(await client.deleteCollection(COL), true);
  assert.deepEqual(await client.collectionExists(COL), { exists: false });
  const { collections } = await client.getCollections();
  assert.ok(!collections.some((c) => c.name === COL));
  await expectStatus(client.query(COL, { query: QUERY, limit: 3 }), 404, 'query after deleteCollection');
});

test('no version warning was printed during the whole flow', () => {
  const bad = warnings.filter((w) => VERSION_WARNING.test(w));
  assert.deepEqual(bad, []);
});
