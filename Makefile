# staticnets: two commands.
#   make demo   installs what is missing, trains an autoencoder natively, builds and serves
#               the page (web/) on 127.0.0.1
#   make test   installs what is missing, then runs every test suite
#   make fuzz   runs each cargo-fuzz target (tests/fuzz) for FUZZ_SECONDS (default 300)
#   make bench  staticnets against PyTorch, TF.js and ConvNetJS on this machine (scripts/bench)
#   make bench-mcu  training's cost on a Cortex-M4F in instructions under QEMU (scripts/bench-mcu)
#   make pytorch-example  PyTorch trains a model, staticnets fine-tunes it natively and on the
#               firmware, PyTorch reproduces the results (scripts/pytorch; downloads PyTorch)
#   make fleet  federated fine-tuning over 100 simulated devices with Flower (scripts/fleet;
#               installs Flower into target/fleet)
.PHONY: setup test demo fuzz bench bench-mcu pytorch-example fleet
PORT ?= 8000

setup:
	@bash scripts/setup

test: setup
	@bash scripts/test

# The demo installs only what it needs (scripts/setup demo): no browser, emulator or wasm-pack.
demo:
	@bash scripts/serve --check $(PORT)
	@bash scripts/setup demo
	@cargo run --release --locked -p staticnets --example demo
	@bash scripts/build-web
	@bash scripts/serve $(PORT)

fuzz:
	@bash scripts/fuzz

bench:
	@bash scripts/bench/run

bench-mcu: setup
	@bash scripts/bench-mcu

pytorch-example:
	@bash scripts/pytorch/run

fleet: setup
	@bash scripts/fleet
