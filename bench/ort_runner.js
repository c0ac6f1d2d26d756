#!/usr/bin/env node
// Times one ONNX model with ONNX Runtime's CPU execution provider
// (onnxruntime-node from bench/node_modules; see setup.sh). Benchmark only.
//
//   node ort_runner.js SPEC.json
//
// SPEC: {"model": "x.onnx", "threads": 1,
//        "inputs": [{"name": "a", "file": "a.bin", "shape": [M, K]}, ...],
//        "warmup": 2, "min_repeats": 3, "max_repeats": 20, "budget_s": 1.0,
//        "dump": "out.bin" (optional: the first output after the last run)}
// Inputs are raw little-endian float32 files. Prints one JSON line:
// {"median_ms": ..., "min_ms": ..., "max_ms": ..., "times_ms": [...],
//  "cpu_ms": median process CPU time per run, "ort": "1.30.0"}
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

function readFloats(file) {
  const buf = fs.readFileSync(file);
  const copy = new ArrayBuffer(buf.length);           // aligned, unshared
  new Uint8Array(copy).set(buf);
  return new Float32Array(copy);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

async function main() {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const session = await ort.InferenceSession.create(spec.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: spec.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const feeds = {};
  for (const input of spec.inputs) {
    feeds[input.name] = new ort.Tensor('float32', readFloats(input.file), input.shape);
  }
  let out = null;
  for (let i = 0; i < (spec.warmup ?? 2); ++i) out = await session.run(feeds);
  const times = [];
  const budgetNs = (spec.budget_s ?? 1.0) * 1e9;
  const start = process.hrtime.bigint();
  const cpu = [];
  while (times.length < (spec.max_repeats ?? 20)) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    out = await session.run(feeds);
    const t1 = process.hrtime.bigint();
    const c1 = process.cpuUsage(c0);
    times.push(Number(t1 - t0) / 1e6);
    cpu.push((c1.user + c1.system) / 1e3);
    if (times.length >= (spec.min_repeats ?? 3) && Number(t1 - start) > budgetNs) break;
  }
  if (spec.dump) {
    const first = out[session.outputNames[0]];
    fs.writeFileSync(spec.dump, Buffer.from(first.data.buffer, first.data.byteOffset,
                                            first.data.byteLength));
  }
  const version = require(path.join(__dirname, 'node_modules', 'onnxruntime-node',
                                    'package.json')).version;
  console.log(JSON.stringify({
    median_ms: median(times), min_ms: Math.min(...times), max_ms: Math.max(...times),
    times_ms: times, cpu_ms: median(cpu), ort: version,
  }));
}

main().catch((err) => {
  console.log(JSON.stringify({error: String(err && err.message || err)}));
  process.exit(1);
});
