# make bench's report: reads the JSON records of one run (target/bench/results.jsonl) and
# prints the table (markdown): ms/step, samples/s, GFLOP/s, the fraction of one core's
# measured SGEMM peak, and each framework's time against staticnets' in the same
# environment (native: staticnets native; Node and Chromium: staticnets wasm SIMD in the
# same engine); then the scaling sweeps, L's products alone, each build's products ceiling
# (their best case, all operands in L1) and the goals, each with its measured figure
# and, where a ceiling bounds it, that bound.
# Usage: python3 scripts/bench/report.py target/bench/results.jsonl
import json
import sys

# Multiply-adds of one step, times 2: forward (2 products), weight gradients (2) and the
# decoder's input gradient (1); nobody computes the gradient of the data.
ROWS = {"S": 32, "L": 64, "V": 32, "D": 32}
SHAPE = {"S": (64, 32), "L": (784, 256)}
# The conv models' multiply-adds per row: forward, weight gradients, and the input gradients
# of every layer but the first (V: conv1 992, dense 960 + 2048; D: conv2 1944, dense 1728 + 2048).
CONV_MACS = {"V": 4000 + 4000 + 3008, "D": 5720 + 5720 + 3776}


def flops(model, variant="", rows=None, hidden=None):
    if model in CONV_MACS:
        return 2 * ROWS[model] * CONV_MACS[model]
    nin, nh = SHAPE[model]
    rows = rows or ROWS[model]
    if variant.startswith("batch "):
        rows = int(variant.split()[1])
    if variant.startswith("hidden "):
        nh = int(variant.split()[1])
    return 5 * 2 * rows * nin * nh


def rows_of(model, variant):
    if variant.startswith("batch "):
        return int(variant.split()[1])
    return ROWS[model]


records = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
peak = next((r["gflops"] for r in records if r.get("framework") == "sgemm probe"), None)
runs = [r for r in records if "ms" in r and "kernel" not in r]
BASE = {"native": "staticnets native", "node": "staticnets wasm simd", "chromium": "staticnets wasm simd"}
ENV = {"native": "native", "node": "Node", "chromium": "Chromium"}


def find(framework, env, model, variant):
    for r in runs:
        if (r["framework"], r["env"], r["model"], r["variant"]) == (framework, env, model, variant):
            return r
    return None


print("## make bench")
print()
if peak:
    print(f"One core's SGEMM peak (torch.matmul 2048^3, float32, 1 thread, best of 5): **{peak:.0f} GFLOP/s**.")
    print()
print("| model | framework | where | ms/step | samples/s | GFLOP/s | of peak | time vs staticnets | loss fell |")
print("|---|---|---|---:|---:|---:|---:|---:|:-:|")
for model in ["S", "L", "V", "D"]:
    for variant in ["plain", "regularized"]:
        for env in ["native", "node", "chromium"]:
            for r in [x for x in runs if (x["env"], x["model"], x["variant"]) == (env, model, variant)]:
                gf = flops(model) / (r["ms"] * 1e6)
                base = find(BASE[env], env, model, variant)
                ratio = f"{r['ms'] / base['ms']:.2f}x" if base else ""
                fell = "yes" if r["loss_last"] < r["loss_first"] else "**no**"
                of_peak = f"{100 * gf / peak:.0f} %" if peak else ""
                name = r["framework"] + (f" ({r['level']})" if r.get("level") and "staticnets" in r["framework"] else "")
                print(f"| {model} {variant} | {name} | {ENV[env]} | {r['ms']:.4f} | "
                      f"{rows_of(model, variant) / r['ms'] * 1e3:,.0f} | {gf:.1f} | {of_peak} | {ratio} | {fell} |")

sweep = [r for r in runs if r["framework"] == "staticnets native" and r["variant"].split()[0] in ("batch", "hidden")]
if sweep:
    print()
    print("staticnets native, S's shape (plain), by batch size and hidden width:")
    print()
    print("| setting | ms/step | samples/s | GFLOP/s |")
    print("|---|---:|---:|---:|")
    for r in sweep:
        gf = flops("S", r["variant"]) / (r["ms"] * 1e6)
        print(f"| {r['variant']} | {r['ms']:.4f} | {rows_of('S', r['variant']) / r['ms'] * 1e3:,.0f} | {gf:.1f} |")

kern = [r for r in records if "kernel" in r]
if kern:
    print()
    print("staticnets native, L's products alone (best of 200 calls each, warm caches), against one step:")
    print()
    print("| product | build | ms | GFLOP/s | of peak |")
    print("|---|---|---:|---:|---:|")
    for fused in [False, True]:
        rs = [r for r in kern if r["fused"] == fused]
        build = "fma (opt-in)" if fused else "default"
        for r in rs:
            of_peak = f"{100 * r['gflops'] / peak:.0f} %" if peak else ""
            print(f"| {r['kernel']} | {build} ({r['level']}) | {r['ms']:.4f} | {r['gflops']:.1f} | {of_peak} |")
        step = find("staticnets native fma" if fused else "staticnets native", "native", "L", "plain")
        if rs and step:
            total = sum(r["ms"] for r in rs)
            for what, ms in [("all five", total), (f"one L plain step (the rest: {step['ms'] - total:.4f} ms)", step["ms"])]:
                gf = flops("L") / (ms * 1e6)
                of_peak = f"{100 * gf / peak:.0f} %" if peak else ""
                print(f"| {what} | {build} | {ms:.4f} | {gf:.1f} | {of_peak} |")

ceilings = [r for r in records if "ceiling" in r]
if ceilings:
    print()
    print("The products' ceiling in each build: their best case, every operand in L1 "
          "(24x128 . 128x32, whole register tiles at every level; best of 50 runs of 1,000 products), "
          "measured in this run:")
    print()
    print("| where | build (level) | GFLOP/s | of peak |")
    print("|---|---|---:|---:|")
    for r in ceilings:
        of_peak = f"{100 * r['gflops'] / peak:.0f} %" if peak else ""
        name = r.get("framework", "staticnets native")
        print(f"| {ENV[r['env']]} | {name} ({r['level']}) | {r['gflops']:.1f} | {of_peak} |")


def ceiling(env, level):
    """The products' ceiling measured at `level` in `env` (GFLOP/s), or None."""
    return next((r["gflops"] for r in ceilings if r["env"] == env and r["level"] == level), None)


print()
print("Goals (issue 16):")
print()


def goal(text, ok, figure):
    print(f"- {'met' if ok else '**missed**'}: {text}: {figure}")


def ratio(a, b):
    return a["ms"] / b["ms"] if a and b else float("nan")


sn = lambda m, v: find("staticnets native", "native", m, v)
pt = lambda m, v: find("PyTorch eager", "native", m, v)
cw = lambda m, v: find("staticnets wasm simd", "chromium", m, v)
tfc = lambda m, v: find("TF.js wasm", "chromium", m, v)
cn = lambda m, v: find("ConvNetJS", "node", m, v)
nw = lambda m, v: find("staticnets wasm simd", "node", m, v)
r = ratio(pt("S", "regularized"), sn("S", "regularized"))
goal("S regularized, native, at least 20x faster than PyTorch eager (1 thread)", r >= 20, f"{r:.1f}x")
if peak and sn("L", "plain"):
    f = flops("L") / (sn("L", "plain")["ms"] * 1e6) / peak
    top = ceiling("native", sn("L", "plain")["level"])
    why = f" (the products' own ceiling at {sn('L', 'plain')['level']}, unfused: {100 * top / peak:.0f} %)" if top else ""
    goal("L plain, native, at least 50 % of one core's SGEMM peak", f >= 0.5, f"{100 * f:.0f} %{why}")
r = ratio(pt("L", "regularized"), sn("L", "regularized"))
goal("L regularized, native, at least on par with PyTorch", r >= 1, f"{r:.2f}x")
fn_ = lambda m, v: find("staticnets native fma", "native", m, v)
if peak and fn_("L", "plain"):
    f = flops("L") / (fn_("L", "plain")["ms"] * 1e6) / peak
    goal("with the opt-in fma build (not reproducible): L plain at least 50 % of the SGEMM peak", f >= 0.5, f"{100 * f:.0f} %")
    r = ratio(pt("L", "regularized"), fn_("L", "regularized"))
    goal("with the opt-in fma build: L regularized at least on par with PyTorch", r >= 1, f"{r:.2f}x")
r = ratio(tfc("S", "regularized"), cw("S", "regularized"))
goal("Chromium: S regularized at least 20x faster than TF.js wasm", r >= 20, f"{r:.1f}x")
cf = lambda m, v: find("staticnets wasm fma", "chromium", m, v)
for v in ["plain", "regularized"]:
    r = ratio(tfc("L", v), cw("L", v))
    top = ceiling("chromium", "simd128")
    # L's products alone, at the simd128 ceiling: a bound on the ratio no step can pass
    bound = f" (L's products alone at the simd128 ceiling, {top:.1f} GFLOP/s, would allow at most " \
            f"{tfc('L', v)['ms'] / (flops('L') / (top * 1e6)):.1f}x)" if top and tfc("L", v) else ""
    goal(f"Chromium: L {v} at least 10x faster than TF.js wasm", r >= 10, f"{r:.1f}x{bound}")
    if cf("L", v):
        r = ratio(tfc("L", v), cf("L", v))
        goal(f"Chromium, the opt-in fma build (relaxed SIMD, not reproducible): L {v} at least 10x faster than TF.js wasm", r >= 10, f"{r:.1f}x")
s2 = lambda m, v: find("staticnets native sse2", "native", m, v)
for m in ["S", "L"]:
    for v in ["plain", "regularized"]:
        r = ratio(cw(m, v), sn(m, v))
        same = ratio(cw(m, v), s2(m, v))
        wide, narrow = ceiling("native", sn(m, v)["level"]) if sn(m, v) else None, ceiling("chromium", "simd128")
        apart = f"; the products' ceilings are {wide / narrow:.1f}x apart" if wide and narrow else ""
        goal(f"wasm (Chromium) within 2x of native, {m} {v}", r <= 2,
             f"{r:.1f}x (against native at SSE2, the same vector width: {same:.1f}x{apart})")
for v in ["plain", "regularized"]:
    r = ratio(cn("S", v), nw("S", v))
    goal(f"S {v} at least 20x faster than ConvNetJS (Node, both)", r >= 20, f"{r:.1f}x")
