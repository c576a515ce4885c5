# make bench, the native ratios: staticnets native and PyTorch eager (one thread) measured
# together. Each runs as a server of the protocol (`bench --serve`, `torch_bench.py
# --serve`); for each model and variant both warm up, then take their 5 repetitions in
# turn, so a slow spell of the machine (its speed changes from minute to minute) falls on
# both and the ratio between them does not depend on which ran during it. Each one's record
# is the median of its 5, as in the rest of make bench. One JSON record per line.
# Usage: python3 scripts/bench/together.py PYTHON_WITH_TORCH [--smoke]
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
smoke = ["--smoke"] if "--smoke" in sys.argv else []
contenders = [
    ["cargo", "run", "--release", "--locked", "-q", "-p", "staticnets-wasm", "--example",
     "bench", "--", "--serve", *smoke],
    [sys.argv[1], os.path.join(ROOT, "scripts", "bench", "torch_bench.py"), "--serve", *smoke],
]
servers = [subprocess.Popen(c, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, bufsize=1) for c in contenders]


def ask(server, line):
    server.stdin.write(line + "\n")
    reply = server.stdout.readline()
    if not reply:
        sys.exit(f"together.py: a server stopped (asked {line!r})")
    return json.loads(reply)


for name, variants in [("S", ["plain", "regularized"]), ("L", ["plain", "regularized"]),
                       ("V", ["plain"]), ("D", ["plain"])]:
    for variant in variants:
        records = [ask(s, f"warm {name} {variant}") for s in servers]
        times = [[] for _ in servers]
        for _ in range(5):
            for s, r, t in zip(servers, records, times):
                rep = ask(s, f"rep {name} {variant}")
                t.append(rep["ms"])
                r["loss_last"] = rep["loss_last"]
        for r, t in zip(records, times):
            r.update({"env": "native", "model": name, "variant": variant,
                      "ms": statistics.median(t)})
            print(json.dumps(r), flush=True)
for s in servers:
    s.stdin.close()
    s.wait()
