// Reference side of bench/tokenizer_bench: times the HF Rust tokenizers (native Node binding
// @anush008/tokenizers) on the same tokenizer.json and corpus, and prints one JSON object.
//
// usage: node bench.mjs --modules DIR --tokenizer FILE --corpus FILE [--load-repeat N] [--ids-out FILE]
//   --modules   folder whose node_modules holds @anush008/tokenizers (the bench installs it there)
//   --corpus    JSON Lines, one document (a JSON string) per line
//   --ids-out   writes, per document, a little-endian uint32 count followed by the ids
//
// Timings: load = Tokenizer.fromFile (median of --load-repeat); single = encodeBatch with
// TOKENIZERS_PARALLELISM=false (the Rust loop over the documents on one thread, no per-call
// binding overhead); batch = encodeBatch with the default rayon pool (all cores). Both without
// special tokens. Load and single also report the process's CPU time.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';

function parseArgs(argv) {
  const args = { loadRepeat: 5 };
  for (let i = 2; i < argv.length; i += 2) {
    const key = argv[i], value = argv[i + 1];
    if (value === undefined) throw new Error(`missing value for ${key}`);
    if (key === '--modules') args.modules = value;
    else if (key === '--tokenizer') args.tokenizer = value;
    else if (key === '--corpus') args.corpus = value;
    else if (key === '--load-repeat') args.loadRepeat = Math.max(1, parseInt(value, 10));
    else if (key === '--ids-out') args.idsOut = value;
    else throw new Error(`unknown option ${key}`);
  }
  for (const k of ['modules', 'tokenizer', 'corpus']) if (!args[k]) throw new Error(`--${k} is required`);
  return args;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

const args = parseArgs(process.argv);
const require = createRequire(join(args.modules, 'package.json'));
const { Tokenizer } = require('@anush008/tokenizers');

const docs = readFileSync(args.corpus, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
const bytes = docs.reduce((n, d) => n + Buffer.byteLength(d, 'utf8'), 0);
const options = { addSpecialTokens: false };

// CPU time of the process (user + system), next to wall time: on a shared machine it is the
// steadier figure for the one-thread measurements.
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};

const loadMs = [], loadCpuMs = [];
let tokenizer;
for (let i = 0; i < args.loadRepeat; ++i) {
  const t0 = nowMs(), c0 = cpuMs();
  tokenizer = Tokenizer.fromFile(args.tokenizer);
  loadMs.push(nowMs() - t0);
  loadCpuMs.push(cpuMs() - c0);
}

process.env.TOKENIZERS_PARALLELISM = 'false';
let t0 = nowMs(), c0 = cpuMs();
await tokenizer.encodeBatch(docs, options);
const singleMs = nowMs() - t0, singleCpuMs = cpuMs() - c0;

process.env.TOKENIZERS_PARALLELISM = 'true';
t0 = nowMs();
const encodings = await tokenizer.encodeBatch(docs, options);
const batchMs = nowMs() - t0;

let tokens = 0;
const idLists = encodings.map((e) => e.getIds());
for (const ids of idLists) tokens += ids.length;
if (args.idsOut) {
  const out = new Uint32Array(docs.length + tokens);
  let k = 0;
  for (const ids of idLists) {
    out[k++] = ids.length;
    for (const id of ids) out[k++] = id;
  }
  writeFileSync(args.idsOut, new Uint8Array(out.buffer));
}

console.log(JSON.stringify({
  docs: docs.length,
  bytes,
  tokens,
  threads: availableParallelism(),
  load_ms: median(loadMs),
  load_ms_all: loadMs,
  load_cpu_ms: median(loadCpuMs),
  single_ms: singleMs,
  single_cpu_ms: singleCpuMs,
  batch_ms: batchMs,
}));
