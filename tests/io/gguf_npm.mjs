// lowp's GGUF files against @huggingface/gguf, an independent GGUF implementation (npm).
//   1. lowp writes a sample file (every metadata value type, nested arrays, plain and quantized
//      tensors); the npm parser reads it, and its version, counts, every key's type, element type
//      and value, and every tensor's name, dimensions, type and offset must equal what lowp reads.
//   2. The npm package's header writer (serializeGgufMetadata) writes a header of every value type;
//      lowp must read it to the same keys, types and values.
//   3. lowp-explore re-quantizes the sample (q8_0 / q4_0 / MXFP4 / ... as its allocation chooses);
//      the npm parser must read the result to the same keys, types and values as the input, and
//      the same tensor names, order and dimensions.
// Usage: node gguf_npm.mjs GGUF_TOOL WORKDIR NODE_MODULES LOWP_EXPLORE
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [tool, work, modules, explorer] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modules), "noop.js"));
const { gguf, serializeGgufMetadata, GGUFValueType } = require("@huggingface/gguf");
mkdirSync(work, { recursive: true });

let failures = 0;
function expect(ok, what) {
  if (!ok) {
    console.error("FAIL " + what);
    failures++;
  }
}
// values as lowp's dump prints them: integers as decimal strings, floats with 17 digits
function canon(v, type, subType) {
  if (Array.isArray(v)) return v.map((x) => canon(x, subType, undefined));
  if (type === GGUFValueType.FLOAT32 || type === GGUFValueType.FLOAT64) return Number(v).toPrecision(17);
  if (typeof v === "bigint" || typeof v === "number") return String(v);
  return v;
}
function canonLowp(v, type, subType) {
  if (Array.isArray(v)) return v.map((x) => canonLowp(x, subType, undefined));
  if (type === GGUFValueType.FLOAT32 || type === GGUFValueType.FLOAT64) return Number(v).toPrecision(17);
  return v;
}
const dump = (file) => JSON.parse(execFileSync(tool, ["dump", file]).toString());

// 1. lowp writes, the npm parser reads
const sample = path.join(work, "lowp-sample.gguf");
execFileSync(tool, ["write", sample]);
const mine = dump(sample);
const theirs = await gguf(sample, { allowLocalFile: true, typedMetadata: true });
const tm = theirs.typedMetadata;
expect(tm.version.value === mine.version, `version ${tm.version.value} vs ${mine.version}`);
expect(Number(tm.kv_count.value) === mine.metadata.length, `kv_count ${tm.kv_count.value} vs ${mine.metadata.length}`);
expect(Number(tm.tensor_count.value) === mine.tensors.length, `tensor_count ${tm.tensor_count.value}`);
for (const e of mine.metadata) {
  const t = tm[e.key];
  if (!t) {
    expect(false, `npm parser lacks key ${e.key}`);
    continue;
  }
  expect(t.type === e.type, `${e.key}: type ${t.type} vs lowp ${e.type}`);
  if (e.subType !== undefined) expect(t.subType === e.subType, `${e.key}: subType ${t.subType} vs lowp ${e.subType}`);
  const a = JSON.stringify(canon(t.value, t.type, t.subType));
  const b = JSON.stringify(canonLowp(e.value, e.type, e.subType));
  expect(a === b, `${e.key}: value ${a} vs lowp ${b}`);
}
expect(theirs.tensorInfos.length === mine.tensors.length, "tensor count");
theirs.tensorInfos.forEach((ti, i) => {
  const m = mine.tensors[i];
  expect(ti.name === m.name, `tensor ${i}: name ${ti.name} vs ${m.name}`);
  expect(ti.dtype === m.type, `${m.name}: type ${ti.dtype} vs ${m.type}`);
  expect(JSON.stringify(ti.shape.map(String)) === JSON.stringify(m.ne), `${m.name}: shape ${ti.shape} vs ${m.ne}`);
  expect(String(ti.offset) === m.offset, `${m.name}: offset ${ti.offset} vs ${m.offset}`);
});
console.log(`npm @huggingface/gguf read lowp's file: ${mine.metadata.length} keys, ${mine.tensors.length} tensors agree`);

// 2. the npm header writer writes, lowp reads
const T = GGUFValueType;
const header = {
  version: { value: 3, type: T.UINT32 },
  tensor_count: { value: 0n, type: T.UINT64 },
  kv_count: { value: 0n, type: T.UINT64 },
  "general.architecture": { value: "llama", type: T.STRING },
  "x.u8": { value: 250, type: T.UINT8 },
  "x.i8": { value: -100, type: T.INT8 },
  "x.u16": { value: 60000, type: T.UINT16 },
  "x.i16": { value: -30000, type: T.INT16 },
  "x.u32": { value: 4000000000, type: T.UINT32 },
  "x.i32": { value: -2000000000, type: T.INT32 },
  "x.f32": { value: 0.5, type: T.FLOAT32 },
  "x.bool": { value: false, type: T.BOOL },
  "x.u64": { value: 18446744073709551615n, type: T.UINT64 },
  "x.i64": { value: -9223372036854775808n, type: T.INT64 },
  "x.f64": { value: 0.1, type: T.FLOAT64 },
  "x.strs": { value: ["a", "ü", ""], type: T.ARRAY, subType: T.STRING },
  "x.f32s": { value: [1.5, -2], type: T.ARRAY, subType: T.FLOAT32 },
};
header.kv_count.value = BigInt(Object.keys(header).length - 3);
const bytes = serializeGgufMetadata(header, { alignment: 32 });
const hfile = path.join(work, "npm-header.gguf");
writeFileSync(hfile, bytes);
const back = dump(hfile);
expect(back.version === 3, "npm header: version");
expect(back.tensors.length === 0, "npm header: tensors");
const keys = Object.keys(header).slice(3);
expect(back.metadata.length === keys.length, `npm header: ${back.metadata.length} keys vs ${keys.length}`);
back.metadata.forEach((e, i) => {
  const h = header[keys[i]];
  expect(e.key === keys[i], `npm header: key ${i} ${e.key} vs ${keys[i]}`);
  expect(e.type === h.type, `npm header: ${e.key} type ${e.type} vs ${h.type}`);
  const a = JSON.stringify(canonLowp(e.value, e.type, e.subType));
  const b = JSON.stringify(canon(h.value, h.type, h.subType));
  expect(a === b, `npm header: ${e.key} lowp ${a} vs npm ${b}`);
});
console.log(`lowp read the npm package's header: ${back.metadata.length} keys of every value type agree`);
// 3. the sample re-quantized by the model explorer, read by the npm parser
const requant = path.join(work, "lowp-sample-requant.gguf");
execFileSync(explorer, [sample, "--llama-cpp", "--budget", "5", "--out", requant, "--quiet",
  "--report", path.join(work, "requant.html")]);
const rq = await gguf(requant, { allowLocalFile: true, typedMetadata: true });
const keysIn = Object.keys(tm), keysOut = Object.keys(rq.typedMetadata);
expect(JSON.stringify(keysIn) === JSON.stringify(keysOut), `re-quantized keys ${keysOut} vs ${keysIn}`);
for (const k of keysIn) {
  const a = tm[k], b = rq.typedMetadata[k];
  if (!b) continue;
  expect(a.type === b.type && a.subType === b.subType, `re-quantized ${k}: type`);
  expect(JSON.stringify(canon(a.value, a.type, a.subType)) === JSON.stringify(canon(b.value, b.type, b.subType)),
    `re-quantized ${k}: value`);
}
expect(rq.tensorInfos.length === theirs.tensorInfos.length, "re-quantized tensor count");
let changed = 0;
theirs.tensorInfos.forEach((ti, i) => {
  const o = rq.tensorInfos[i];
  expect(o && o.name === ti.name, `re-quantized tensor ${i}: name`);
  expect(o && JSON.stringify(o.shape.map(String)) === JSON.stringify(ti.shape.map(String)), `${ti.name}: shape`);
  if (o && o.dtype !== ti.dtype) changed++;
});
expect(changed > 0, "the explorer changed no tensor type");
console.log(`npm @huggingface/gguf read the re-quantized file: ${keysOut.length} keys (the input's), ` +
  `${rq.tensorInfos.length} tensors in order and shape, ${changed} of them in a new type`);
if (failures > 0) {
  console.error(`${failures} mismatches`);
  process.exit(1);
}
