// make bench in Debian's headless Chromium (playwright-core): serves the repository root on
// 127.0.0.1, opens scripts/bench/page.html and prints its records, one JSON per line.
// Usage: node scripts/bench/browser.mjs [--smoke]
import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const root = normalize(join(dirname(fileURLToPath(import.meta.url)), "..", ".."));
const smoke = process.argv.includes("--smoke");
const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };
const server = createServer(async (req, res) => {
  const path = normalize(join(root, decodeURIComponent(new URL(req.url, "http://x").pathname)));
  if (!path.startsWith(root)) return res.writeHead(403).end();
  try {
    const body = await readFile(path);
    res.writeHead(200, { "content-type": types[extname(path)] || "application/octet-stream" }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const { port } = server.address();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
page.on("pageerror", (e) => console.error("page error:", e.message));
await page.goto(`http://127.0.0.1:${port}/scripts/bench/page.html${smoke ? "?smoke" : ""}`);
let printed = 0;
for (;;) {
  const { records, done, error } = await page.evaluate(() => ({
    records: window.benchRecords || [],
    done: !!window.benchDone,
    error: window.benchError || null,
  }));
  for (; printed < records.length; printed++) console.log(JSON.stringify(records[printed]));
  if (error) {
    console.error("bench page failed:", error);
    process.exitCode = 1;
  }
  if (done || error) break;
  await new Promise((r) => setTimeout(r, 500));
}
await browser.close();
server.close();
