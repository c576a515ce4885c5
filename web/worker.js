// The training side of the page: owns the model, trains in slices of about 25 ms, and posts
// monitors and views to the main thread, which only renders. Messages in: init, start,
// pause, step, reset, set, save, load, importSafetensors, exportSafetensors, compare, ping. Messages out: ready, progress, views, reply,
// saved, error.

// Feature detection: this module uses one SIMD instruction (the test from wasm-feature-detect).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0,
  253, 15, 253, 98, 11,
]);
const simd = WebAssembly.validate(SIMD_PROBE);
const wasm = await import(simd ? "./pkg/simd/staticnets_wasm.js" : "./pkg/scalar/staticnets_wasm.js");
await wasm.default();

const SLICE_MS = 25; // training time per slice: messages are answered between slices
const VIEW_MS = 150; // how often the views are recomputed
const SAMPLES = 8; // digits shown as input / corrupted / reconstruction
const TRAIN_ROWS = 1500;

let digits = null; // { x: Float32Array, labels: Uint32Array, rows }
let model = null;
let running = false;
let lastViews = 0;
let batchesPerSlice = 4;
let batch = 32; // the batch size in force, for samples/s
let rate = { t: 0, steps: 0, stepsPerSec: 0 }; // steps/s over the last half second
// Each model (init) and each Reset is a new run: messages carry its number, so the page can
// drop what an earlier run sent after it was replaced.
let run = 0;
// The A/B comparison: model B, built like A (same preset, settings, seed and data) except for
// one setting, trained in the same slices. null when off.
let compare = null; // { key, value, model }

// The digits, parsed and checked by the core (the same parser the native examples use).
async function loadDigits() {
  const bytes = new Uint8Array(await (await fetch("./data/digits.bin")).arrayBuffer());
  const d = wasm.digits(bytes);
  const out = { x: d.x, labels: d.labels, rows: d.rows };
  d.free();
  return out;
}

const split = (from, to) => ({
  x: digits.x.subarray(from * 64, to * 64),
  labels: digits.labels.subarray(from, to),
});

// A model of `preset` with `config`, its training and validation data set (fresh weights
// from its seed), and then `setting` ([key, value]) if given; freed again if any of it is
// refused, so that a refusal leaves nothing behind.
function newModel(preset, config, setting = null) {
  const m = new wasm.Model(preset, config);
  try {
    const train = split(0, TRAIN_ROWS);
    const valid = split(TRAIN_ROWS, digits.rows);
    const labels = (d) => (m.isClassifier ? d.labels : undefined);
    m.setData(train.x, labels(train));
    m.setValidation(valid.x, labels(valid));
    if (setting) m.set(...setting);
  } catch (e) {
    m.free();
    throw e;
  }
  return m;
}

function init({ preset, config, seed }) {
  running = false;
  const s = seed === null ? wasm.randomSeed() : seed;
  // Build the new model completely before the old one goes: a refused setting (a bad seed,
  // say) leaves the model that was there, still usable.
  const next = newModel(preset, `${config}\nrng = ${s}`);
  if (model) model.free();
  model = next;
  stopComparing();
  run += 1;
  batchesPerSlice = 4;
  batch = model.batchSize;
  rate = { t: performance.now(), steps: 0, stepsPerSec: 0 };
  postMessage({
    type: "ready",
    info: {
      run,
      preset,
      seed: s,
      simd,
      parameters: model.parameterCount,
      trainerBytes: model.trainerBytes,
      layerSizes: Array.from(model.layerSizes()),
      classifier: model.isClassifier,
      trainRows: TRAIN_ROWS,
      validRows: digits.rows - TRAIN_ROWS,
    },
  });
  sendViews(model.validate());
}

function monitors(m) {
  return {
    steps: m.steps,
    passes: m.passes,
    loss: m.loss,
    err: m.err,
    regNames: m.regNames,
    regTerms: Array.from(m.regTerms),
    accuracy: m.accuracy,
    hiddenSparsity: m.hiddenSparsity,
    weightSparsity: m.weightSparsity,
  };
}

// One slice of training: as many batches as fit in SLICE_MS (adapted as we go), or `batches`.
function slice(batches = null) {
  const t0 = performance.now();
  const n = batches ?? batchesPerSlice;
  const m = model.train(n);
  let mb = null;
  if (compare) {
    try {
      mb = compare.model.train(n);
    } catch (e) {
      // Say whose run it was: A's settings may be fine (its learning rate in the field).
      throw new Error(`model B (${compare.key} = ${compare.value}): ${e.message ?? e}`);
    }
  }
  const dt = performance.now() - t0;
  if (batches === null) {
    batchesPerSlice = Math.max(1, Math.min(512, Math.round(batchesPerSlice * (SLICE_MS / Math.max(dt, 1)))));
  }
  const now = performance.now();
  if (now - rate.t > 500) {
    rate = { t: now, steps: m.steps, stepsPerSec: ((m.steps - rate.steps) * 1000) / (now - rate.t) };
  }
  postMessage({
    type: "progress",
    run,
    train: monitors(m),
    trainB: mb ? monitors(mb) : null,
    stepsPerSec: rate.stepsPerSec,
    samplesPerSec: rate.stepsPerSec * batch,
    learningRate: model.learningRate,
  });
  if (now - lastViews > VIEW_MS) sendViews(model.validate());
}

// What the page draws of one model.
function viewsOf(m, validation, transfer) {
  const valid = split(TRAIN_ROWS, digits.rows);
  const sizes = Array.from(m.layerSizes());
  const sample = valid.x.subarray(0, SAMPLES * 64);
  const v = {
    valid: monitors(validation),
    // a dense layer's: 64 x units, row-major (filter j is column j); a convolution's:
    // filters x channels x kh x kw (weightShape says which)
    filters: m.weights("hid1.w"),
    filterShape: Array.from(m.weightShape("hid1.w")),
    units: sizes[1],
    inputs: sample.slice(),
    corrupted: m.corrupt(sample),
    reconstructions: m.isClassifier ? null : m.predict(sample),
    // The classifier's answers for the sample digits, with the true labels.
    predicted: m.isClassifier ? Array.from(m.predictClasses(sample)) : null,
    sampleLabels: Array.from(valid.labels.subarray(0, SAMPLES)),
    hidden: m.hidden(valid.x.subarray(0, 200 * 64), 1),
    code: sizes[2] === 2 ? m.hidden(valid.x, 2) : null,
    codeLabels: sizes[2] === 2 ? valid.labels.slice() : null,
    accuracy: m.isClassifier ? m.score(valid.x, valid.labels) : null,
    config: m.configText(),
  };
  transfer.push(v.filters.buffer, v.corrupted.buffer, v.hidden.buffer);
  return v;
}

function sendViews(validation) {
  lastViews = performance.now();
  const transfer = [];
  const views = viewsOf(model, validation, transfer);
  views.reproduce = model.reproduce(TRAIN_ROWS);
  if (compare) {
    views.b = viewsOf(compare.model, compare.model.validate(), transfer);
    views.b.key = compare.key;
    views.b.value = compare.value;
  }
  postMessage({ type: "views", run, views }, transfer);
}

// Start comparing: B is A's settings with `key = value`; both start afresh from the seed, on
// the same data, as one new run. `key` null stops comparing.
function startComparing(key, value) {
  if (key === null) {
    stopComparing();
    return;
  }
  const b = newModel(model.preset, model.configText(), [key, value]);
  stopComparing();
  compare = { key, value, model: b };
  model.reset();
  run += 1;
  batchesPerSlice = 4;
  postMessage({ type: "run", run });
  rate = { t: performance.now(), steps: 0, stepsPerSec: 0 };
}

function stopComparing() {
  if (compare) compare.model.free();
  compare = null;
}

function loop() {
  if (!running) return;
  try {
    slice();
  } catch (e) {
    running = false;
    postMessage({ type: "error", message: String(e.message ?? e), running, learningRate: model.learningRate });
    return;
  }
  setTimeout(loop, 0);
}

function reply(id, fn) {
  try {
    const value = fn();
    postMessage({ type: "reply", id, ok: true, value });
  } catch (e) {
    postMessage({ type: "reply", id, ok: false, error: String(e.message ?? e) });
  }
}

onmessage = ({ data: msg }) => {
  const { id } = msg;
  switch (msg.cmd) {
    case "init":
      return reply(id, () => init(msg));
    case "start":
      if (!running) {
        running = true;
        setTimeout(loop, 0);
      }
      return reply(id, () => true);
    case "pause":
      running = false;
      return reply(id, () => sendViews(model.validate()));
    case "step":
      // Exactly one batch (one update).
      return reply(id, () => {
        running = false;
        slice(1);
        sendViews(model.validate());
      });
    case "reset":
      return reply(id, () => {
        model.reset();
        compare?.model.reset();
        run += 1;
        // Small slices again, so the new run's chart starts at its first steps (the slice
        // size adapted to the old run can be hundreds of batches).
        batchesPerSlice = 4;
        postMessage({ type: "run", run }); // before this run's first views
        rate = { t: performance.now(), steps: 0, stepsPerSec: 0 };
        sendViews(model.validate());
      });
    case "set":
      return reply(id, () => {
        model.set(msg.key, String(msg.value));
        // B follows every change but the one setting it differs in.
        if (compare && msg.key !== compare.key) compare.model.set(msg.key, String(msg.value));
        batch = model.batchSize;
        if (!running) sendViews(model.validate());
      });
    case "save":
      return reply(id, () => model.save());
    case "load":
    case "importSafetensors":
      // A checkpoint resumes its run (with its configuration); safetensors weights restart
      // the optimizer with the settings in force. Either way the chart starts anew (a
      // checkpoint's run continues its own step count), and the page's fields are set from
      // the configuration now in force.
      return reply(id, () => {
        running = false;
        const bytes = new Uint8Array(msg.bytes);
        if (msg.cmd === "load") model.load(bytes);
        else model.loadSafetensors(bytes);
        stopComparing(); // a loaded run has no B
        run += 1;
        batchesPerSlice = 4;
        const config = model.configText();
        batch = model.batchSize;
        postMessage({ type: "run", run });
        sendViews(model.validate());
        return config;
      });
    case "compare":
      return reply(id, () => {
        running = false;
        startComparing(msg.key, msg.key === null ? null : String(msg.value));
        sendViews(model.validate());
      });
    case "exportSafetensors":
      return reply(id, () => model.saveSafetensors());
    case "ping":
      return postMessage({ type: "pong", t: msg.t });
    default:
      return reply(id, () => {
        throw new Error(`unknown command ${msg.cmd}`);
      });
  }
};

digits = await loadDigits();
// The menus come from the core's tables: the presets the models are built from, the
// optimizers `algo` takes, and each regularizer with its explanation.
const menus = {
  presets: wasm.presetMenu().map((p) => {
    const entry = { name: p.name, description: p.description, task: p.task };
    p.free();
    return entry;
  }),
  optimizers: wasm.optimizers(),
  regularizers: wasm.regularizerMenu().map((r) => {
    const entry = { key: r.key, formula: r.formula, about: r.about };
    r.free();
    return entry;
  }),
};
postMessage({ type: "loaded", simd, menus });
