// End-to-end test of the demo page in Debian's headless Chromium, driven by playwright-core.
// Serves web/ on 127.0.0.1 (python's static server, as `make demo` does), then checks that
// training lowers the loss, that every view renders, that a regularizer switched on mid-run
// shows its term, that the page answers a click while training (the figure is printed; the
// bound, a second, holds on a busy machine), that a divergence rolls back and a sane rate
// trains on without Reset, that Step is one update, that refused values (a negative rate, a
// bad seed) go back to the value in force and the model keeps working, that batch size 1
// trains, that Reset mid-run restarts the chart, the chart's legend and labels, that a saved
// run loads back (its settings in the fields) and continues with the same bits, that
// safetensors weights export and import, that a shared link's unusable values are named and
// not applied (and a seed above 2^53 kept exactly), and the plain messages for file:// and a
// browser without WebAssembly. Also measures the SIMD build against the scalar build in the
// same browser. Screenshot: tests/browser/artifacts/page.png.
//
// Run: node tests/browser/e2e.mjs   (after scripts/setup and scripts/build-web)
import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const artifacts = join(here, "artifacts");
mkdirSync(artifacts, { recursive: true });
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const TRAIN_SECONDS = Number(process.env.TRAIN_SECONDS ?? 30);

let failures = 0;
function check(ok, what, detail = "") {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? `: ${detail}` : ""}`);
  if (!ok) failures++;
}

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

// The README's screenshots: into the artifacts, or over web/'s committed ones with
// UPDATE_SCREENSHOTS=1 (so that a test run leaves the source tree as it was).
const shot = (name) => join(process.env.UPDATE_SCREENSHOTS === "1" ? join(root, "web") : artifacts, name);

const port = await freePort();
const server = spawn(join(root, "scripts", "serve"), [String(port)], { stdio: ["ignore", "pipe", "ignore"] });
await new Promise((resolve) => server.stdout.once("data", resolve));
const url = `http://127.0.0.1:${port}/`;

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 1000 } });
const page = await context.newPage();
const errors = [];
page.on("pageerror", (e) => errors.push(e.message));
page.on("console", (m) => m.type() === "error" && errors.push(m.text()));

try {
  for (let tries = 0; ; tries++) {
    try {
      await page.goto(url);
      break;
    } catch (e) {
      if (tries > 50) throw e; // the server is still binding its port
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await page.waitForFunction(() => window.staticnetsPage?.info && window.staticnetsPage.views, null, { timeout: 30000 });
  const engine = await page.textContent("#engine");
  check(engine === "WASM SIMD", "the page picked the SIMD build", engine);
  const start = await page.evaluate(() => window.staticnetsPage.views.valid.loss);

  // Train, and switch hidden_l1 on mid-run.
  await page.click("#start");
  const started = Date.now();
  await page.waitForFunction(() => (window.staticnetsPage.progress?.train.steps ?? 0) > 200, null, { timeout: 30000 });
  await page.$eval("#reg-hidden_l1", (el) => {
    el.value = "0.1";
    el.dispatchEvent(new Event("input"));
    el.dispatchEvent(new Event("change"));
  });
  await page.waitForFunction(
    () => {
      const p = window.staticnetsPage.progress?.train;
      const k = p?.regNames.indexOf("hidden_l1") ?? -1;
      return k >= 0 && p.regTerms[k] > 0;
    },
    null,
    { timeout: 10000 },
  );
  const legend = await page.textContent("#loss-chart");
  check(legend.includes("hidden_l1"), "hidden_l1's term appears in the loss chart after switching it on mid-run");

  // Responsiveness while training: a click is answered (button label changes and a frame is
  // drawn) within 100 ms; the worker answers a message within 100 ms.
  const clickMs = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const b = document.getElementById("start");
        const t = performance.now();
        b.click(); // Pause
        requestAnimationFrame(() => resolve(b.textContent === "Start" ? performance.now() - t : 1e9));
      }),
  );
  // The bound has room for a busy machine (a blocked page takes seconds); the figure is printed.
  check(clickMs < 1000, "a click during training is answered within a second", `${clickMs.toFixed(1)} ms`);
  await page.click("#start"); // resume
  await page.waitForTimeout(300);
  const pings = [];
  for (let i = 0; i < 5; i++) pings.push(await page.evaluate(() => window.staticnetsPage.ping()));
  const worst = Math.max(...pings);
  check(worst < 1000, "the worker answers within a second while training", `worst of 5: ${worst.toFixed(1)} ms`);

  // Typing a learning rate at a human pace while training: the field keeps what is typed (no
  // progress message overwrites it), nothing claims a halving, and Enter applies it.
  const rateBefore = await page.inputValue("#learning_rate");
  await page.click("#learning_rate", { clickCount: 3 });
  await page.keyboard.type("0.01", { delay: 150 });
  await page.waitForTimeout(600); // several progress messages arrive meanwhile
  const typed = await page.inputValue("#learning_rate");
  const whileTyping = await page.textContent("#status");
  check(
    typed === "0.01" && !whileTyping.includes("halved"),
    "a learning rate typed at a human pace while training stays in its field, and no halving is reported",
    `field "${typed}" (was ${rateBefore}); status "${whileTyping.slice(0, 60)}"`,
  );
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("learning_rate = 0.01"), null, { timeout: 10000 });
  await page.waitForTimeout(600);
  check(
    (await page.inputValue("#learning_rate")) === "0.01" && !(await page.textContent("#status")).includes("halved"),
    "the typed rate is applied on Enter and stays shown while training goes on",
    await page.textContent("#status"),
  );
  await page.evaluate((v) => {
    const e = document.getElementById("learning_rate");
    e.value = v;
    e.dispatchEvent(new Event("change"));
  }, rateBefore);
  await page.waitForFunction((v) => document.getElementById("status").textContent.startsWith(`learning_rate = ${v}`), rateBefore);

  // Let it train, then look at every view.
  await page.waitForTimeout(Math.max(0, TRAIN_SECONDS * 1000 - (Date.now() - started)));
  const after = await page.evaluate(() => window.staticnetsPage.views.valid.loss);
  const trained = (Date.now() - started) / 1000;
  check(after < 0.25 * start, `validation loss after ~${TRAIN_SECONDS} s is far below the start`, `${start.toFixed(4)} -> ${after.toFixed(4)} (${trained.toFixed(0)} s)`);
  const speed = await page.textContent("#speed");
  check(/^\d+ steps\/s · \d+ samples\/s$/.test(speed) && !speed.startsWith("0 "), "steps/s and samples/s are shown", speed);
  for (const id of ["filters", "samples", "histogram"]) {
    const ink = await page.$eval(`#${id}`, (c) => {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n / (d.length / 4);
    });
    check(ink > 0.02, `view #${id} renders`, `${(100 * ink).toFixed(0)} % of pixels drawn`);
  }
  const chartPaths = await page.$$eval("#loss-chart canvas", (cs) => cs.length);
  check(chartPaths > 0, "the loss chart renders");
  // No empty cell in the views' grid: without the 2-D code card and B, the histogram takes its row.
  const histWide = await page.$eval("#histogram", (c) => c.closest(".card").classList.contains("wide"));
  check(histWide && (await page.isHidden("#code-card")), "no empty cell beside a histogram that stands alone");
  const sparsity = await page.textContent("#sparsity");
  check(/sparsity \d+\.\d %/.test(sparsity), "the hidden histogram shows the sparsity figure", sparsity);
  await page.screenshot({ path: join(artifacts, "page.png"), fullPage: true });

  // Divergence mid-run: the weights go back to the best validation, the page says so, and a
  // sane learning rate trains on without Reset.
  const setField = (id, value) =>
    page.evaluate(([id, value]) => {
      const e = document.getElementById(id);
      e.value = value;
      e.dispatchEvent(new Event("change"));
    }, [id, value]);
  await setField("on_divergence", "halve");
  await setField("learning_rate", "1e30");
  await page.waitForFunction(() => !window.staticnetsPage.running, null, { timeout: 60000 });
  const diverged = await page.textContent("#stopped");
  const lrShown = Number(await page.inputValue("#learning_rate"));
  check(/diverged/.test(diverged) && lrShown < 1e30, "after a divergence the page says what happened and shows the rate in force", `${diverged.slice(0, 90)}… (learning rate field ${lrShown})`);
  // A later message does not replace why training stopped.
  await page.$eval("#reg-weight_l2", (el) => {
    el.value = "0.0001"; // a harmless setting: a success message
    el.dispatchEvent(new Event("change"));
  });
  await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("weight_l2"));
  check(!(await page.isHidden("#stopped")) && (await page.textContent("#stopped")) === diverged, "why training stopped stays on screen after a later message");
  await setField("learning_rate", "0.003");
  const stepsBefore = await page.evaluate(() => window.staticnetsPage.progress.train.steps);
  await page.click("#start");
  await page.waitForFunction((s) => window.staticnetsPage.progress.train.steps > s + 100, stepsBefore, { timeout: 60000 });
  const lossAfter = await page.evaluate(() => window.staticnetsPage.progress.train.loss);
  check(Number.isFinite(lossAfter) && lossAfter < 0.1, "a sane rate trains on after the divergence, without Reset", `training loss ${lossAfter.toFixed(4)}`);
  await setField("on_divergence", "stop");

  // Step is one update.
  await page.click("#start"); // pause
  await page.waitForFunction(() => !window.staticnetsPage.running);
  await page.waitForTimeout(300);
  const before = await page.evaluate(() => window.staticnetsPage.progress.train.steps);
  await page.click("#step");
  await page.waitForFunction((s) => window.staticnetsPage.progress.train.steps !== s, before);
  const after1 = await page.evaluate(() => window.staticnetsPage.progress.train.steps);
  check(after1 === before + 1, "Step makes exactly one update", `${before} -> ${after1}`);

  // A refused value does not stay in its field; the model keeps working.
  await setField("learning_rate", "-5");
  await page.waitForFunction(() => document.getElementById("status").classList.contains("error"));
  const lrField = await page.inputValue("#learning_rate");
  check(lrField === "0.003", "a refused value goes back to the value in force", `field shows ${lrField}; ${await page.textContent("#status")}`);
  // Letters in a number field (the browser hands over an empty value): said plainly.
  await setField("learning_rate", "abc");
  const abc = await page.textContent("#status");
  check(
    abc.includes("must hold a number") && !abc.includes("  ") && (await page.inputValue("#learning_rate")) === "0.003",
    "letters in the learning-rate field are refused as not a number, the rate in force shown",
    abc,
  );

  // Batch size 1 (1,500 batches a pass) trains.
  await setField("batch_size", "1");
  await page.click("#start");
  await page.waitForFunction((s) => window.staticnetsPage.progress.train.steps > s + 300, after1, { timeout: 60000 });
  const statusTraining = await page.textContent("#status");
  check(!(await page.evaluate(() => document.getElementById("status").classList.contains("error"))), "batch size 1 trains", statusTraining);
  await page.click("#start"); // pause
  await page.click("#start"); // and on again: the status line says so
  const onStart = await page.textContent("#status");
  check(onStart.startsWith("training") && !onStart.includes("Press Start"), "while training the status line says so, not Press Start", onStart);
  await setField("batch_size", "32");

  // Reset while training: the chart starts again from step 0, with nothing of the old run.
  await page.click("#reset");
  await page.waitForTimeout(1000);
  const hist = await page.evaluate(() => window.staticnetsPage.history.x.slice(0, 3));
  check(hist.length > 0 && hist[0] < 200, "after a Reset during training the chart starts anew", `first steps ${hist.join(", ")}`);

  // The chart: no legend entry for noise or dropout (no term), no "--", distinct log labels.
  await page.$eval("#reg-input_noise", (el) => {
    el.value = "0.1";
    el.dispatchEvent(new Event("change"));
  });
  await page.waitForTimeout(800);
  const chartText = await page.textContent("#loss-chart");
  // uPlot draws its axes on a canvas: check the formatter it is given, on a log axis's ticks.
  const labels = await page.evaluate(() => [1, 0.1, 0.01, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7].map(window.staticnetsPage.axisLabel));
  check(!chartText.includes("input_noise") && !chartText.includes("--"), "the legend has no noise entry and no placeholders", chartText.slice(0, 80));
  check(new Set(labels).size === labels.length && !labels.every((l) => l === "0"), "the loss axis labels are distinct", labels.join(" "));
  await page.$eval("#reg-input_noise", (el) => {
    el.value = "0";
    el.dispatchEvent(new Event("change"));
  });

  // A bad seed is refused and the model that was there keeps working.
  await page.click("#start"); // pause
  await page.waitForFunction(() => !window.staticnetsPage.running);
  await setField("seed", "-1");
  await page.waitForFunction(() => document.getElementById("status").classList.contains("error"));
  const seedMsg = await page.textContent("#status");
  const stepsNow = await page.evaluate(() => window.staticnetsPage.progress?.train.steps ?? 0);
  await page.click("#start");
  await page.waitForFunction((s) => (window.staticnetsPage.progress?.train.steps ?? 0) > s + 50, stepsNow, { timeout: 30000 });
  check(!seedMsg.includes("null pointer") && seedMsg.includes("whole number"), "a bad seed is refused and training still works", seedMsg);
  check((await page.inputValue("#seed")) === "13", "the refused seed does not stay in its field", await page.inputValue("#seed"));
  await setField("seed", "13");
  await page.waitForFunction(() => window.staticnetsPage.info && !window.staticnetsPage.running);
  await page.click("#start");
  await page.waitForFunction(() => (window.staticnetsPage.progress?.train.steps ?? 0) > 100, null, { timeout: 30000 });

  // Save the run, take 3 single steps; reset (new weights) and change a setting; load the
  // file: the fields show the saved settings, and the same 3 steps give the same bits.
  await page.click("#start"); // pause
  await page.waitForFunction(() => !window.staticnetsPage.running);
  await page.waitForTimeout(300);
  const recon = () => page.evaluate(() => Array.from(window.staticnetsPage.views.reconstructions));
  // One Step (one update), waiting for its progress message and views.
  const stepOnce = async () => {
    await page.evaluate(() => (window.staticnetsPage.progress = null));
    await page.click("#step");
    await page.waitForFunction(() => window.staticnetsPage.progress !== null, null, { timeout: 30000 });
    await page.waitForTimeout(300); // the views follow the step's progress message
  };
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#save")]);
  const file = join(artifacts, "model.snet");
  await download.saveAs(file);
  check(readFileSync(file).subarray(0, 8).toString() === "SNETCKP2", "the saved file is a format-2 checkpoint of the run");
  const savedRate = await page.inputValue("#learning_rate");
  for (let k = 0; k < 3; k++) await stepOnce();
  const straight = await recon();
  await page.click("#reset");
  await page.waitForFunction((s) => window.staticnetsPage.views.reconstructions[0] !== s, straight[0]);
  await setField("learning_rate", "0.05");
  await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("learning_rate"));
  await page.setInputFiles("#load", file);
  await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("resumed"));
  check((await page.inputValue("#learning_rate")) === savedRate, "loading a run shows its settings in the fields", await page.inputValue("#learning_rate"));
  await page.waitForTimeout(300); // (the views of the loaded run, then a frame)
  const note = (await page.isHidden("#chart-note")) ? "" : await page.textContent("#chart-note");
  const speedLoaded = await page.textContent("#speed");
  check(
    /loaded at step \d+: its chart starts here/.test(note) && speedLoaded === "",
    "a loaded run says where its chart starts, and shows no old speed while nothing runs",
    `note "${note}", speed "${speedLoaded}"`,
  );
  for (let k = 0; k < 3; k++) await stepOnce();
  const resumed = await recon();
  check(JSON.stringify(resumed) === JSON.stringify(straight), "a saved run, loaded after a reset, continues with the same bits");

  // Export safetensors, reset, import: the same weights (and reconstructions) come back.
  const [tensors] = await Promise.all([page.waitForEvent("download"), page.click("#export-safetensors")]);
  const tfile = join(artifacts, "model.safetensors");
  await tensors.saveAs(tfile);
  const tbytes = readFileSync(tfile);
  const header = tbytes.subarray(8, 8 + Number(tbytes.readBigUInt64LE(0))).toString();
  check(header.includes('"hid1.weight":{"dtype":"F32","shape":[32,64]'), "the exported safetensors has PyTorch's names and shapes", header.slice(0, 60));
  await page.click("#reset");
  await page.waitForFunction((s) => window.staticnetsPage.views.reconstructions[0] !== s, resumed[0]);
  await page.setInputFiles("#import-safetensors", tfile);
  await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("imported"));
  await page.waitForTimeout(300);
  check(JSON.stringify(await recon()) === JSON.stringify(resumed), "imported safetensors weights give the same reconstructions");

  // A file of another model is refused with a message, and the page keeps working.
  await page.selectOption("#preset", "ae-64-32-2-32-64");
  await page.waitForFunction(() => window.staticnetsPage.info.preset === "ae-64-32-2-32-64");
  await page.setInputFiles("#load", file);
  await page.waitForFunction(() => document.getElementById("status").classList.contains("error"));
  const refusal = await page.textContent("#status");
  check(refusal.includes("bad checkpoint"), "a checkpoint of another model is refused", refusal);
  await page.click("#step");
  await page.waitForFunction(() => window.staticnetsPage.views.code !== null);
  check(!(await page.isHidden("#code-card")), "the 2-D model shows its code scatter");

  // The convolutional preset: it trains, draws its 3x3 kernels, and refuses contractive by name.
  await page.selectOption("#preset", "ae-conv-6x3x3");
  await page.waitForFunction(() => window.staticnetsPage.info.preset === "ae-conv-6x3x3");
  await page.click("#start");
  await page.waitForFunction(() => (window.staticnetsPage.progress?.train.steps ?? 0) > 300, null, { timeout: 30000 });
  await page.click("#start");
  await page.waitForFunction(() => window.staticnetsPage.views?.filterShape?.length === 4);
  const conv = await page.evaluate(() => {
    const v = window.staticnetsPage.views;
    const c = document.getElementById("filters");
    const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let drawn = 0;
    for (let i = 3; i < px.length; i += 4) drawn += px[i] > 0;
    return { shape: v.filterShape, drawn, loss: v.valid.err, first: window.staticnetsPage.progress.train.err };
  });
  check(JSON.stringify(conv.shape) === "[6,1,3,3]" && conv.drawn > 6 * 9 * 16, "the conv preset draws its six 3x3 kernels", JSON.stringify(conv.shape));
  check(Number.isFinite(conv.loss), "the conv preset trains", `validation error ${conv.loss}`);
  await page.$eval("#reg-contractive", (el) => {
    el.value = "0.01";
    el.dispatchEvent(new Event("change"));
  });
  await page.waitForFunction(() => document.getElementById("status").textContent.includes("Jacobian"), null, { timeout: 10000 });
  const noJac = await page.textContent("#status");
  check(noJac.includes("without a Jacobian"), "contractive on the conv preset is refused by name", noJac);
  await page.$eval("#reg-contractive", (el) => {
    el.value = "0";
    el.dispatchEvent(new Event("change"));
  });

  // The classifier reports accuracy.
  await page.selectOption("#preset", "clf-64-32-10");
  await page.waitForFunction(() => window.staticnetsPage.info.preset === "clf-64-32-10");
  await page.click("#start");
  await page.waitForFunction(() => (window.staticnetsPage.progress?.train.steps ?? 0) > 1500, null, { timeout: 30000 });
  await page.waitForTimeout(400);
  const acc = await page.evaluate(() => window.staticnetsPage.views.accuracy);
  check(acc > 0.85, "the classifier's validation accuracy is shown and high", `${(100 * acc).toFixed(1)} %`);
  await page.click("#start");

  // SIMD against scalar, same browser, same model, same run.
  const bench = await page.evaluate(async () => {
    const d = new Uint8Array(await (await fetch("data/digits.bin")).arrayBuffer());
    const x = new Float32Array(512 * 64);
    for (let r = 0; r < 512; r++) for (let p = 0; p < 64; p++) x[r * 64 + p] = d[12 + r * 65 + p] / 16;
    const out = {};
    for (const kind of ["scalar", "simd", "scalar", "simd"]) {
      const w = await import(`./pkg/${kind}/staticnets_wasm.js`);
      await w.default();
      const m = new w.Model("ae-64-64-64", "algo = adam\nlearning_rate = 0.003\nbatch_size = 64");
      m.setData(x);
      m.train(20);
      const t = performance.now();
      m.train(300);
      const rate = 300 / ((performance.now() - t) / 1000);
      out[kind] = Math.max(out[kind] ?? 0, rate);
      m.free();
    }
    return out;
  });
  const ratio = bench.simd / bench.scalar;
  console.log(`bench: ae-64-64-64, batch 64: simd ${bench.simd.toFixed(0)} steps/s, scalar ${bench.scalar.toFixed(0)} steps/s, ratio ${ratio.toFixed(2)}`);
  check(errors.length === 0, "no errors in the page", errors.join(" | "));

  // ---------- the regularization lab ----------
  // A link with settings and an A/B comparison: a fresh page takes them from the address.
  const lab = await context.newPage();
  lab.on("pageerror", (e) => errors.push(e.message));
  await lab.goto(`${url}#preset=ae-64-32-64-tied&algo=adam&learning_rate=0.003&batch_size=32&on_divergence=stop&seed=21&weight_l2=0.0005&compare=hidden_l1:0.1`);
  await lab.waitForFunction(() => window.staticnetsPage?.views?.b, null, { timeout: 30000 });
  check(
    (await lab.inputValue("#seed")) === "21" && (await lab.inputValue("#reg-weight_l2")) === "0.0005" && (await lab.isChecked("#compare")),
    "a link's settings and A/B comparison are taken from the address",
    await lab.evaluate(() => location.hash),
  );
  // A link with values the controls cannot take: each is named, none is silently changed
  // into another value (a slider would make "abc" its midpoint), and the page starts; a seed
  // above 2^53 is kept digit for digit (a JS number would round it to another seed).
  const bad = await context.newPage();
  bad.on("pageerror", (e) => errors.push(e.message));
  await bad.goto(`${url}#hidden_l1=abc&weight_l2=9&algo=nope&seed=9007199254740993`);
  await bad.waitForFunction(() => window.staticnetsPage?.info, null, { timeout: 30000 });
  await bad.waitForFunction(() => document.getElementById("status").textContent.includes("From the link"), null, { timeout: 10000 });
  const badMsg = await bad.textContent("#status");
  check(
    ["hidden_l1=abc", "weight_l2=9", "algo=nope"].every((s) => badMsg.includes(`ignored ${s}`)) &&
      (await bad.inputValue("#reg-hidden_l1")) === "0" && (await bad.inputValue("#algo")) === "adam",
    "a link's unusable values are named and left at their defaults",
    badMsg.slice(badMsg.indexOf("From the link"), badMsg.indexOf("From the link") + 90),
  );
  check(badMsg.includes("seed 9007199254740993;"), "a link's seed above 2^53 is kept exactly", badMsg.slice(0, 90));
  await bad.goto("about:blank"); // (a new hash alone would not load the page again)
  await bad.goto(`${url}#compare=hidden_l1:abc`); // B's value is the worker's to refuse
  await bad.waitForFunction(() => document.getElementById("status").textContent.startsWith("B refused"), null, { timeout: 30000 });
  check(
    (await bad.inputValue("#compare-value")) === "0.1" && !(await bad.isChecked("#compare")),
    "a refused B is said, and its field goes back to the value last accepted",
    (await bad.textContent("#status")).slice(0, 90),
  );
  await bad.goto("about:blank");
  await bad.goto(`${url}#batch_size=100`); // above the model's capacity: the core refuses it
  await bad.waitForFunction(() => document.getElementById("status").textContent.includes("From the link"), null, { timeout: 30000 });
  const capMsg = await bad.textContent("#status");
  check(
    capMsg.includes("started from the defaults") && !/line \d/.test(capMsg) && (await bad.evaluate(() => !!window.staticnetsPage.info)),
    "a link the core refuses starts the page from the defaults and says why",
    capMsg.slice(capMsg.indexOf("From the link"), capMsg.indexOf("From the link") + 110),
  );
  await bad.close();

  const explain = await lab.textContent("#explain-hidden_l1");
  check(explain.includes("mean(|h|)") && explain.includes("sparsity"), "each regularizer is explained beside its slider", explain.slice(0, 70));
  await lab.click("#start");
  await lab.waitForFunction(() => (window.staticnetsPage.progress?.trainB?.steps ?? 0) > 600, null, { timeout: 60000 });
  await lab.click("#start"); // pause
  await lab.waitForFunction(() => !window.staticnetsPage.running);
  await lab.waitForTimeout(400);
  const ab = await lab.evaluate(() => {
    const v = window.staticnetsPage.views;
    return { a: v.valid, b: v.b.valid, key: v.b.key, steps: window.staticnetsPage.progress.train.steps, stepsB: window.staticnetsPage.progress.trainB.steps };
  });
  check(ab.steps === ab.stepsB, "A and B train the same batches", `${ab.steps} and ${ab.stepsB} steps`);
  check(
    ab.b.hiddenSparsity > ab.a.hiddenSparsity + 0.05,
    "B (hidden_l1 = 0.1) has the sparser code, shown side by side",
    `hidden sparsity A ${(100 * ab.a.hiddenSparsity).toFixed(1)} %, B ${(100 * ab.b.hiddenSparsity).toFixed(1)} %`,
  );
  const table = await lab.textContent("#ab-table");
  check(!(await lab.isHidden("#ab-table")) && table.includes("B (hidden_l1 = 0.1)"), "the A/B table shows both models", table.replace(/\s+/g, " ").slice(0, 90));
  check(!(await lab.isHidden("#filters-b")) && (await lab.textContent("#loss-chart")).includes("train loss B"), "B's filters and loss curves are drawn beside A's");
  check(
    (await lab.textContent("#weight-sparsity")).includes("weight sparsity") && (await lab.textContent("#hidden-sparsity")).includes("hidden sparsity"),
    "weight and hidden sparsity are shown",
  );
  const boxA = await lab.locator("#samples").boundingBox();
  const boxB = await lab.locator("#samples-b").boundingBox();
  check(
    Math.abs(boxA.width - boxB.width) < 1 && Math.abs(boxA.height - boxB.height) < 1,
    "B's samples panel is the size of A's",
    `A ${boxA.width.toFixed(0)}x${boxA.height.toFixed(0)}, B ${boxB.width.toFixed(0)}x${boxB.height.toFixed(0)}`,
  );
  await lab.evaluate(() => window.scrollTo(0, 0));
  await lab.waitForTimeout(300);
  await lab.screenshot({ path: shot("screenshot-lab.png"), fullPage: true });
  await lab.click("#log-steps");
  await lab.waitForFunction(() => window.staticnetsPage.stepScale() === 3, null, { timeout: 10000 });
  check(true, "the step axis can be log-scaled");
  await lab.click("#reproduce-box summary");
  await lab.waitForFunction(() => document.getElementById("reproduce").textContent.length > 0, null, { timeout: 10000 });
  const rust = await lab.textContent("#reproduce");
  check(rust.includes("type Body = Tied<64, 32>;") && rust.includes("t.steps(&data,"), "'reproduce this' gives the run as Rust", rust.split("\n")[4]);
  // B diverging: the message says it was B (A's rate is fine).
  await lab.selectOption("#compare-key", "learning_rate");
  await lab.fill("#compare-value", "1e30");
  await lab.dispatchEvent("#compare-value", "change");
  await lab.waitForFunction(() => document.getElementById("status").textContent.includes("B has learning_rate = 1e30"), null, { timeout: 30000 });
  await lab.click("#start");
  await lab.waitForFunction(() => !window.staticnetsPage.running, null, { timeout: 60000 });
  const bStopped = await lab.textContent("#stopped");
  check(bStopped.includes("model B (learning_rate = 1e30)"), "when B diverges, the message says it was B", bStopped.slice(0, 100));
  // B the same as A, and beyond the slider's range: accepted, and said.
  await lab.selectOption("#compare-key", "hidden_l1");
  await lab.fill("#compare-value", "1e9");
  await lab.dispatchEvent("#compare-value", "change");
  await lab.waitForFunction(() => document.getElementById("status").textContent.includes("B has hidden_l1 = 1e9"), null, { timeout: 30000 });
  check((await lab.textContent("#status")).includes("beyond the slider's range"), "a B beyond the slider's range is said to be", await lab.textContent("#status"));
  const aRate = await lab.inputValue("#learning_rate");
  await lab.selectOption("#compare-key", "learning_rate");
  await lab.fill("#compare-value", aRate);
  await lab.dispatchEvent("#compare-value", "change");
  await lab.waitForFunction(() => document.getElementById("status").textContent.includes("B has learning_rate"), null, { timeout: 30000 });
  check((await lab.textContent("#status")).includes("the two runs are the same"), "a B equal to A is said to be", await lab.textContent("#status"));
  // The contractive penalty's Jacobian norm, and the classifier's predicted labels.
  await lab.$eval("#reg-contractive", (el) => {
    el.value = "0.01";
    el.dispatchEvent(new Event("change"));
  });
  await lab.waitForFunction(() => document.getElementById("jacobian").textContent.includes("Jacobian"), null, { timeout: 30000 });
  check(true, "with contractive on, the Jacobian norm is shown", await lab.textContent("#jacobian"));
  await lab.selectOption("#preset", "clf-64-32-10");
  await lab.waitForFunction(() => window.staticnetsPage.info.preset === "clf-64-32-10" && window.staticnetsPage.views?.predicted, null, { timeout: 30000 });
  await lab.waitForFunction(() => document.getElementById("status").textContent.includes("apply to this model too"), null, { timeout: 10000 });
  check(
    (await lab.textContent("#status")).includes("weight_l2 = 0.0005"),
    "switching models says which regularizers carry over",
    await lab.textContent("#status"),
  );
  const predicted = await lab.evaluate(() => window.staticnetsPage.views.predicted.length);
  check(predicted === 8 && (await lab.textContent("#samples-title")).includes("predicted class"), "the classifier shows its predicted labels", `${predicted} digits`);
  check(!(await lab.isChecked("#compare")), "a new architecture ends the comparison");
  await lab.close();
  // The phone layout: the controls, then the views, one column.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const small = await phone.newPage();
  await small.goto(url);
  await small.waitForFunction(() => window.staticnetsPage?.views, null, { timeout: 30000 });
  // Start and the status line in the first screen, on a desktop window and on the phone, and
  // still in reach after scrolling to the views (the toolbar is sticky).
  const inView = (p) =>
    p.evaluate(() =>
      ["start", "status"].every((id) => {
        const r = document.getElementById(id).getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0;
      }),
    );
  const desk = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const big = await desk.newPage();
  await big.goto(url);
  await big.waitForFunction(() => window.staticnetsPage?.views, null, { timeout: 30000 });
  check(await inView(big), "Start and the status line are in the first screen at 1400x1000");
  await desk.close();
  check(await inView(small), "Start and the status line are in the first screen at 390x844");
  await small.evaluate(() => document.getElementById("histogram").scrollIntoView());
  await small.waitForTimeout(300);
  check(await inView(small), "on the phone, Start (Pause) and the status stay in reach after scrolling down");
  await small.click("#start");
  await small.waitForFunction(() => (window.staticnetsPage.progress?.train.steps ?? 0) > 300, null, { timeout: 30000 });
  await small.waitForTimeout(500);
  await small.screenshot({ path: shot("screenshot-phone.png") });
  await phone.close();

  // The npm package, used by a page of its own (tests/npm-example, built by scripts/build-npm
  // from the package alone): a preset in the package's Worker, trained through Promises, and
  // the page's own class (`Spirals`, from `staticnets_wasm::model!` in tests/npm-example/models)
  // in another.
  const exPort = await freePort();
  const exServer = spawn("python3", ["-m", "http.server", String(exPort), "--bind", "127.0.0.1", "--directory", join(root, "target", "npm-example")], { stdio: "ignore" });
  try {
    const ex = await context.newPage();
    ex.on("pageerror", (e) => errors.push(e.message));
    for (let tries = 0; ; tries++) {
      try {
        await ex.goto(`http://127.0.0.1:${exPort}/`);
        break;
      } catch (e) {
        if (tries > 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await ex.waitForFunction(() => window.example?.done && window.example.custom.done, null, { timeout: 120000 });
    const r = await ex.evaluate(() => window.example);
    check(
      !r.error && r.losses.length === 10 && r.losses[9] < r.losses[0] / 2 && r.info.simd,
      "the npm package trains a model in its Worker through Promises (SIMD build chosen)",
      r.error ?? `loss ${r.losses[0].toPrecision(3)} -> ${r.losses[9].toPrecision(3)}`,
    );
    check((r.refused ?? "").includes("learning_rate"), "a refused setting rejects the Promise with the core's message", r.refused);
    const c = r.custom;
    check(
      !c.error && c.info.name === "Spirals" && c.info.task === "classifier" && c.info.layerSizes.join("-") === "2-32-32-2" && c.info.simd,
      "the page's own model! class loads in the package's Worker (RemoteModel.custom, SIMD build chosen)",
      c.error ?? JSON.stringify(c.info),
    );
    check(
      !c.error && c.losses.length === 15 && c.losses[14] < c.losses[0] / 5 && c.accuracy >= 0.95 && Math.abs(c.score - c.accuracy) < 1e-9,
      "the page's own classifier learns the spirals (accuracy counted by the page from predictClasses)",
      c.error ?? `loss ${c.losses[0]?.toPrecision(3)} -> ${c.losses.at(-1)?.toPrecision(3)}, accuracy ${c.accuracy}, score ${c.score}`,
    );
    check(
      !c.error && c.regions[0] > 0.1 * 48 * 48 && c.regions[1] > 0.1 * 48 * 48,
      "its predicted classes cover the plane in two regions (drawn on the page)",
      JSON.stringify(c.regions),
    );
    const [badMomentum, noLabels, badRows] = c.refused ?? [];
    check(
      (badMomentum ?? "").includes("momentum") && (noLabels ?? "").includes("needs labels") && (badRows ?? "").includes("multiple of 2") && Number.isFinite(c.after),
      "its misuse rejects with the core's messages and the model stays usable",
      JSON.stringify(c.refused),
    );
    await ex.screenshot({ path: join(artifacts, "npm-example.png"), fullPage: true });
    await ex.close();
  } finally {
    exServer.kill();
  }

  check(errors.length === 0, "no errors in the lab's pages and the package's either", errors.join(" | "));

  // Opened as a file, or in a browser without WebAssembly: a plain explanation.
  const plain = await context.newPage();
  await plain.goto(`file://${join(root, "web", "index.html")}`);
  await plain.waitForTimeout(500);
  const fileMsg = await plain.textContent("#status");
  check(fileMsg.includes("served over http"), "opened as file:// the page says how to open it", fileMsg.slice(0, 80));
  await plain.addInitScript(() => {
    delete globalThis.WebAssembly;
  });
  await plain.goto(url);
  await plain.waitForTimeout(500);
  const wasmMsg = await plain.textContent("#status");
  check(wasmMsg.includes("no WebAssembly"), "without WebAssembly the page says so plainly", wasmMsg.slice(0, 80));
  await plain.close();
} catch (e) {
  check(false, "the test ran to the end", e.message);
  await page.screenshot({ path: join(artifacts, "failure.png"), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
  server.kill();
}
console.log(failures === 0 ? "e2e: all checks passed" : `e2e: ${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
