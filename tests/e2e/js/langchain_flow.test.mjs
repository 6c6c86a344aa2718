// End-to-end RAG flow of the real @langchain/qdrant QdrantVectorStore against Sextant.
//
//   SEXTANT_URL=http://127.0.0.1:6333 node --test langchain_flow.test.mjs
//
// Embeddings: the deterministic "wordnet-glove" word-vector model described in
// shared/data/README.md (lower-case, tokens = maximal runs of [a-z0-9], look each up in
// glove100/base_words.txt, skip missing tokens and rows < 25, sum the rows in float64,
// L2-normalise). Results are checked against an exact brute-force cosine search in JS.
//
// Env: SEXTANT_URL (required), SEXTANT_SHARED_DATA (default ../../../../shared/data relative
// to this file), SEXTANT_E2E_DOCS (number of base docs to index, default 2000).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Embeddings } from '@langchain/core/embeddings';
import { QdrantVectorStore } from '@langchain/qdrant';

const URL_ = process.env.SEXTANT_URL;
if (!URL_) throw new Error('SEXTANT_URL is not set (e.g. http://127.0.0.1:6333)');
const HERE = path.dirname(fileURLToPath(import.meta.url));
const DATA = process.env.SEXTANT_SHARED_DATA || path.resolve(HERE, '../../../../shared/data');
const N_DOCS = Number(process.env.SEXTANT_E2E_DOCS || 2000);
const COL = `sextant_js_langchain_${process.pid}_${Date.now()}`;
const QUERY = 'a small furry animal kept as a pet';
// Same relative tolerance idea as the dataset README: the server scores in float32.
const TOL = 1e-5;

// ---------------------------------------------------------------------------------------
function readFvecs(file, maxRows = Infinity) {
  const buf = fs.readFileSync(file);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const d = dv.getInt32(0, true);
  const stride = 4 + 4 * d;
  const n = Math.min(maxRows, buf.byteLength / stride);
  assert.ok(Number.isInteger(buf.byteLength / stride), `${file}: size is not a multiple of the row size`);
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const off = i * stride;
    assert.equal(dv.getInt32(off, true), d, `${file}: row ${i} has a different dimension`);
    for (let j = 0; j < d; j++) out[i * d + j] = dv.getFloat32(off + 4 + 4 * j, true);
  }
  return { n, d, data: out };
}

/** The wordnet-glove bag-of-words model, as a LangChain Embeddings class. */
class GloveBagEmbeddings extends Embeddings {
  constructor(dataDir) {
    super({});
    const words = fs.readFileSync(path.join(dataDir, 'glove100', 'base_words.txt'), 'utf8').split('\n');
    if (words[words.length - 1] === '') words.pop();
    const { n, d, data } = readFvecs(path.join(dataDir, 'glove100', 'base.fvecs'));
    assert.equal(words.length, n, 'base_words.txt and base.fvecs disagree on the row count');
    this.dim = d;
    this.table = data;
    this.row = new Map();
    words.forEach((w, i) => {
      if (!this.row.has(w)) this.row.set(w, i);
    });
    this.calls = { documents: 0, query: 0 };
  }

  embed(text) {
    const d = this.dim;
    const acc = new Float64Array(d);
    for (const tok of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
      const r = this.row.get(tok);
      if (r === undefined || r < 25) continue;
      const base = r * d;
      for (let j = 0; j < d; j++) acc[j] += this.table[base + j];
    }
    let norm = 0;
    for (let j = 0; j < d; j++) norm += acc[j] * acc[j];
    norm = Math.sqrt(norm);
    return Array.from(acc, (x) => (norm > 0 ? x / norm : 0));
  }

  async embedDocuments(texts) {
    this.calls.documents++;
    return texts.map((t) => this.embed(t));
  }

  async embedQuery(text) {
    this.calls.query++;
    return this.embed(text);
  }
}

const dot = (a, b) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

// ---------------------------------------------------------------------------------------
let emb;
let docs; // [{id, text, lexname, synset}]
let vecs; // float64 embeddings of docs (unit norm)
let store;

/** Exact cosine ranking of the indexed docs for `query`. */
function bruteForce(query) {
  const q = emb.embed(query);
  const scored = [];
  docs.forEach((doc, i) => {
    scored.push({ i, score: dot(q, vecs[i]) });
  });
  scored.sort((a, b) => b.score - a.score || a.i - b.i);
  return scored;
}

before(async () => {
  emb = new GloveBagEmbeddings(DATA);
  const lines = fs.readFileSync(path.join(DATA, 'wordnet-glove', 'base_docs.jsonl'), 'utf8').split('\n');
  docs = lines
    .slice(0, N_DOCS)
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
  assert.equal(docs.length, N_DOCS);
  vecs = docs.map((doc) => emb.embed(doc.text));
});

after(async () => {
  try {
    await store?.client.deleteCollection(COL);
  } catch {
    /* best effort */
  }
});

test('embedding model reproduces the stored wordnet-glove vectors', () => {
  const stored = readFvecs(path.join(DATA, 'wordnet-glove', 'base.fvecs'), N_DOCS);
  assert.equal(stored.d, 100);
  let worst = 0;
  for (let i = 0; i < N_DOCS; i++) {
    assert.equal(docs[i].id, i, `base_docs.jsonl line ${i} has id ${docs[i].id}`);
    for (let j = 0; j < stored.d; j++) worst = Math.max(worst, Math.abs(vecs[i][j] - stored.data[i * stored.d + j]));
  }
  assert.ok(worst < 1e-5, `max |embedding - stored row| = ${worst}`);
  // sanity: unit norm
  assert.ok(Math.abs(dot(vecs[0], vecs[0]) - 1) < 1e-9);
});

test('QdrantVectorStore.fromTexts indexes the docs', { timeout: 300_000 }, async () => {
  const texts = docs.map((d) => d.text);
  const metadatas = docs.map((d) => ({ doc_id: d.id, lexname: d.lexname, synset: d.synset }));
  store = await QdrantVectorStore.fromTexts(texts, metadatas, emb, { url: URL_, collectionName: COL });
  assert.ok(store instanceof QdrantVectorStore);

  const info = await store.client.getCollection(COL);
  assert.equal(info.points_count, N_DOCS);
  assert.equal(info.config.params.vectors.size, 100);
  assert.equal(info.config.params.vectors.distance, 'Cosine');
  assert.deepEqual(await store.client.count(COL), { count: N_DOCS });
});

function checkDoc(doc) {
  assert.equal(typeof doc.pageContent, 'string');
  assert.equal(typeof doc.metadata, 'object');
  const i = doc.metadata.doc_id;
  assert.ok(Number.isInteger(i) && i >= 0 && i < N_DOCS, `bad metadata ${JSON.stringify(doc.metadata)}`);
  assert.equal(doc.pageContent, docs[i].text);
  assert.equal(doc.metadata.lexname, docs[i].lexname);
  assert.equal(doc.metadata.synset, docs[i].synset);
  assert.match(String(doc.id), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  return i;
}

test('similaritySearch: 5 docs, top-1 and top-5 agree with exact cosine', async () => {
  const exact = bruteForce(QUERY);
  const res = await store.similaritySearch(QUERY, 5);
  assert.equal(res.length, 5);
  const q = emb.embed(QUERY);
  const ids = res.map(checkDoc);
  assert.equal(new Set(ids).size, 5, 'duplicate docs returned');

  // top-1: the exact best (or an exact tie with it)
  const top1 = dot(q, vecs[ids[0]]);
  assert.ok(
    top1 >= exact[0].score - TOL,
    `top-1 "${docs[ids[0]].text}" (cos ${top1}) is not the exact best "${docs[exact[0].i].text}" (cos ${exact[0].score})`,
  );
  if (exact[0].score - exact[1].score > 1e-4) assert.equal(ids[0], exact[0].i, 'top-1 id');

  // all five are within the exact top-5 (ties tolerated), in descending order
  const kth = exact[4].score;
  ids.forEach((i) => assert.ok(dot(q, vecs[i]) >= kth - TOL, `doc ${i} is not in the exact top-5`));
  for (let k = 1; k < ids.length; k++) assert.ok(dot(q, vecs[ids[k - 1]]) >= dot(q, vecs[ids[k]]) - TOL, 'results not sorted');
});

test('similaritySearchWithScore: scores are cosine similarities', async () => {
  const q = emb.embed(QUERY);
  const res = await store.similaritySearchWithScore(QUERY, 5);
  assert.equal(res.length, 5);
  for (const [doc, score] of res) {
    const i = checkDoc(doc);
    assert.equal(typeof score, 'number');
    assert.ok(Math.abs(score - dot(q, vecs[i])) < 1e-4, `score ${score} vs exact cosine ${dot(q, vecs[i])}`);
  }
});

test('maxMarginalRelevanceSearch: 5 distinct docs from the exact top-20', async () => {
  const exact = bruteForce(QUERY);
  const q = emb.embed(QUERY);
  const cutoff = exact[19].score - TOL;
  // default lambda -> the client sends "diversity": null; then an explicit lambda
  for (const opts of [{ k: 5, fetchK: 20 }, { k: 5, fetchK: 20, lambda: 0.5 }]) {
    const res = await store.maxMarginalRelevanceSearch(QUERY, opts);
    assert.equal(res.length, 5, `MMR ${JSON.stringify(opts)} returned ${res.length} docs`);
    const ids = res.map(checkDoc);
    assert.equal(new Set(ids).size, 5, 'MMR returned duplicates');
    for (const i of ids) assert.ok(dot(q, vecs[i]) >= cutoff, `MMR doc ${i} ("${docs[i].text}") is not among the exact top-20`);
  }
});

test('delete by ids through the vector store', async () => {
  const res = await store.similaritySearch(QUERY, 2);
  const gone = res.map((d) => d.id);
  await store.delete({ ids: gone });
  assert.deepEqual(await store.client.count(COL), { count: N_DOCS - 2 });
  const after = await store.similaritySearch(QUERY, 5);
  for (const d of after) assert.ok(!gone.includes(d.id), 'deleted doc still returned');
});

test('fromExistingCollection reuses the collection', async () => {
  const again = await QdrantVectorStore.fromExistingCollection(emb, { url: URL_, collectionName: COL });
  const res = await again.similaritySearch(QUERY, 3);
  assert.equal(res.length, 3);
  res.forEach(checkDoc);
});
