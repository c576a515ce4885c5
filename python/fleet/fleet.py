"""make fleet: federated fine-tuning of staticnets models with Flower's simulation engine.

Each simulated device is a staticnets trainer (`import staticnets`) holding its own digits: the
digits autoencoder `ae-64-32-64` (the firmware's architecture), split non-IID over the devices (device `i` sees only the
two classes `i % 10` and `(i + 1) % 10`). Three ways to learn, the same local work each:
- local only: every device trains alone for all the rounds' updates;
- FedAvg: each round every device starts from the global model, trains `LOCAL_STEPS` updates
  on its own data, and the server averages the results weighted by examples;
- FedProx: the same with `prox = mu` pulling each device's updates towards the global model
  it received (`Model.set_reference`).
The global model is judged on held-out digits (1500..1796) of every class group, and written
as a checkpoint (`global.snet`, the staticnets file a page, a laptop or a device resumes).

Usage: python fleet.py OUT_DIR [--clients N] [--rounds R] [--local-steps S]
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from flwr.app import ArrayRecord, ConfigRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg, FedProx
from flwr.simulation import run_simulation

import staticnets

PRESET = "ae-64-32-64"  # the firmware's architecture: the global model runs there unchanged
CONFIG = {"algo": "adam", "learning_rate": 0.003, "batch_size": 16}
X, LABELS = staticnets.digits()
TRAIN, HELD_OUT = slice(0, 1500), slice(1500, 1797)


def device_rows(i, clients):
    """Device `i`'s training digits: its two classes' share of digits 0..1499."""
    classes = {i % 10, (i + 1) % 10}
    rows = [r for r in range(TRAIN.stop) if LABELS[r] in classes]
    # the devices with these classes share them out
    peers = [j for j in range(clients) if {j % 10, (j + 1) % 10} == classes]
    k = peers.index(i)
    return np.ascontiguousarray(X[rows][k :: len(peers)])


def held_out(group):
    """Held-out digits of class `group`."""
    rows = [r for r in range(HELD_OUT.start, HELD_OUT.stop) if LABELS[r] == group]
    return np.ascontiguousarray(X[rows])


def model(seed):
    m = staticnets.Model(PRESET, {**CONFIG, "rng": seed})
    return m


def arrays_of(m):
    return ArrayRecord([m.weights(n) for n in m.tensor_names()])


def errors(weights):
    """The held-out reconstruction error of each class group, for a model with `weights`."""
    m = model(1)
    m.set_data(X[:64])
    for name, w in zip(m.tensor_names(), weights):
        m.set_weights(name, np.ascontiguousarray(w, dtype=np.float32))
    out = []
    for g in range(10):
        x = held_out(g)
        y = m.predict(x)
        out.append(float(np.mean((y.astype(np.float64) - x) ** 2)))
    return out


client_app = ClientApp()


@client_app.train()
def train(msg: Message, context: Context) -> Message:
    i = int(context.node_config["partition-id"])
    clients = int(context.node_config["num-partitions"])
    x = device_rows(i, clients)
    m = model(100 + i)
    m.set_data(x)
    for name, w in zip(m.tensor_names(), msg.content["arrays"].to_numpy_ndarrays()):
        m.set_weights(name, np.ascontiguousarray(w, dtype=np.float32))
    config = msg.content["config"]
    mu = float(config.get("proximal-mu", 0.0))
    if mu > 0:
        m.set_reference()  # the global model it received
        m.set("prox", mu)
    r = m.train(int(config["local-steps"]))
    reply = RecordDict(
        {
            "arrays": arrays_of(m),
            "metrics": MetricRecord({"num-examples": len(x), "train-err": r["err"]}),
        }
    )
    return Message(content=reply, reply_to=msg)


def server_app_for(strategy_name, rounds, local_steps, mu, history, out):
    app = ServerApp()

    @app.main()
    def main(grid: Grid, context: Context) -> None:
        start = model(7)
        start.set_data(X[:64])
        initial = arrays_of(start)
        history.append(("start", errors(initial.to_numpy_ndarrays())))
        if strategy_name == "fedprox":
            strategy = FedProx(fraction_evaluate=0.0, proximal_mu=mu)
        else:
            strategy = FedAvg(fraction_evaluate=0.0)

        def evaluate(server_round, arrays):
            e = errors(arrays.to_numpy_ndarrays())
            if server_round > 0:
                history.append((server_round, e))
            return MetricRecord({"mean-err": float(np.mean(e))})

        result = strategy.start(
            grid=grid,
            initial_arrays=initial,
            num_rounds=rounds,
            train_config=ConfigRecord({"local-steps": local_steps}),
            evaluate_fn=evaluate,
        )
        final = model(7)
        final.set_data(X[:64])
        for name, w in zip(final.tensor_names(), result.arrays.to_numpy_ndarrays()):
            final.set_weights(name, np.ascontiguousarray(w, dtype=np.float32))
        (out / f"global-{strategy_name}.snet").write_bytes(final.save())

    return app


def local_only(clients, steps):
    """Every device alone, `steps` updates on its own digits: each class group's held-out
    error, averaged over the devices."""
    per_group = np.zeros(10)
    for i in range(clients):
        m = model(100 + i)
        m.set_data(device_rows(i, clients))
        m.train(steps)
        per_group += np.array(errors([m.weights(n) for n in m.tensor_names()]))
    return list(per_group / clients)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--clients", type=int, default=100)
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--local-steps", type=int, default=10)
    p.add_argument("--mu", type=float, default=0.01)
    a = p.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    t0 = time.time()
    results["local only"] = local_only(a.clients, a.rounds * a.local_steps)
    timings = {"local only": time.time() - t0}
    for name in ["fedavg", "fedprox"]:
        history = []
        t = time.time()
        run_simulation(
            server_app=server_app_for(name, a.rounds, a.local_steps, a.mu, history, out),
            client_app=client_app,
            num_supernodes=a.clients,
            backend_config={"client_resources": {"num_cpus": 1, "num_gpus": 0.0}},
        )
        timings[name] = time.time() - t
        results[name] = history
    print(json.dumps({"clients": a.clients, "rounds": a.rounds, "local_steps": a.local_steps, "mu": a.mu, "timings": timings}))
    print()
    print("| round | FedAvg, mean held-out error | FedProx (mu = %g) |" % a.mu)
    print("|---:|---:|---:|")
    for (r, e1), (_, e2) in zip(results["fedavg"], results["fedprox"]):
        print(f"| {r} | {np.mean(e1):.5f} | {np.mean(e2):.5f} |")
    print()
    print("| class group | local only (mean over devices) | FedAvg | FedProx |")
    print("|---:|---:|---:|---:|")
    final = {k: results[k][-1][1] for k in ["fedavg", "fedprox"]}
    wins = True
    for g in range(10):
        lo = results["local only"][g]
        print(f"| {g} | {lo:.5f} | {final['fedavg'][g]:.5f} | {final['fedprox'][g]:.5f} |")
        wins &= final["fedavg"][g] < lo and final["fedprox"][g] < lo
    total = sum(timings[k] for k in ["fedavg", "fedprox"])
    runs = 2 * a.clients * a.rounds
    print()
    print(f"federated: {runs} client updates in {total:.1f} s ({runs / total:.0f} client runs per second)")
    print("the global models beat local-only training on every class group:", "yes" if wins else "NO")
    return 0 if wins else 1


if __name__ == "__main__":
    sys.exit(main())
