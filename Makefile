# The README's commands. `make test` installs what is missing, builds, and runs every test.
SHELL := /bin/bash
# slurm-wlm and munge: the one-node SLURM the launcher test starts (Launch/slurm-local.sh);
# iproute2: the hosts made of network namespaces of the multi-host tests (Launch/netns-cluster.sh).
DEBIAN_PACKAGES := pkg-config libopenblas-dev libopenmpi-dev openmpi-bin libhdf5-dev hdf5-tools \
                   libpng-dev libjpeg62-turbo-dev slurm-wlm munge iproute2
# Numeric tests run on a release-optimized build: the Double references and central
# differences are too slow unoptimized.
SWIFT_TEST_FLAGS ?= -c release

.PHONY: test deps build clean demo

test: deps
	swift build --build-tests $(SWIFT_TEST_FLAGS)
	swift test --skip-build $(SWIFT_TEST_FLAGS)

build: deps
	swift build -c release

# Installs the Debian packages only when one is missing (apt-get needs root; sudo otherwise), and
# h5py and numpy for the weights-format tests (Tools/convert_weights.py) when python3 lacks them.
deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing Debian packages:" $$missing; \
	  sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$sudo apt-get update && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y $$missing; \
	fi
	@python3 -c 'import h5py, numpy' 2>/dev/null || pip install --quiet h5py numpy \
	  || pip install --quiet --break-system-packages h5py numpy

clean:
	rm -rf .build

# The quick start end to end, in DEMO_DIR (default demo/; its run/ and enhanced/ are replaced):
# synthetic train and held-out faces, Configs/quickstart.yaml on 2 MPI ranks, export, enhance
# a held-out face, eval, report. A few minutes on 2 cores.
DEMO_DIR ?= demo
DEMO_RANKS ?= 2
SPARNET_DIST := .build/release/sparnet-dist

demo: deps
	@command -v swift >/dev/null || { echo "error: swift is not on PATH (https://www.swift.org/install/)"; exit 2; }
	@start=$$(date +%s); set -e; \
	echo "== build (release)"; \
	swift build -c release; \
	rm -rf $(DEMO_DIR)/run $(DEMO_DIR)/enhanced; mkdir -p $(DEMO_DIR)/data $(DEMO_DIR)/enhanced; \
	echo "== prepare: 2000 synthetic training faces and 100 held-out ones (another seed), 32x32"; \
	$(SPARNET_DIST) prepare --synthetic 2000 --size 32 --seed 1 --out $(DEMO_DIR)/data/synthetic-train.h5; \
	$(SPARNET_DIST) prepare --synthetic 100 --size 32 --seed 2 --out $(DEMO_DIR)/data/heldout-test.h5; \
	echo "== train Configs/quickstart.yaml on $(DEMO_RANKS) MPI ranks (Launch/local.sh)"; \
	SPARNET_DIST=$(SPARNET_DIST) Launch/local.sh $(DEMO_RANKS) Configs/quickstart.yaml \
	  --data $(DEMO_DIR)/data/synthetic-train.h5 --run-dir $(DEMO_DIR)/run; \
	checkpoint=$(DEMO_DIR)/run/$$(cat $(DEMO_DIR)/run/latest); \
	echo "== export $$checkpoint"; \
	$(SPARNET_DIST) export --checkpoint $$checkpoint --out $(DEMO_DIR)/weights.h5; \
	echo "== enhance a held-out face"; \
	$(SPARNET_DIST) prepare --preview 1 --data $(DEMO_DIR)/data/heldout-test.h5 --out $(DEMO_DIR)/enhanced/face.png; \
	$(SPARNET_DIST) enhance --weights $(DEMO_DIR)/weights.h5 --input $(DEMO_DIR)/enhanced/face.png \
	  --output $(DEMO_DIR)/enhanced/face-sr.png --save-input --attention $(DEMO_DIR)/enhanced/attention; \
	echo "== eval on the held-out faces"; \
	$(SPARNET_DIST) eval --weights $(DEMO_DIR)/weights.h5 --data $(DEMO_DIR)/data/heldout-test.h5 --json $(DEMO_DIR)/eval.json; \
	echo "== report"; \
	$(SPARNET_DIST) report $(DEMO_DIR)/run; \
	grid=$$(ls $(DEMO_DIR)/run/samples/step-*.png | tail -1); \
	echo; \
	echo "Demo finished in $$(( $$(date +%s) - start )) s. Everything is under $(DEMO_DIR)/:"; \
	echo "  checkpoint         $$checkpoint"; \
	echo "  exported weights   $(DEMO_DIR)/weights.h5"; \
	echo "  TensorBoard events $$(ls $(DEMO_DIR)/run/events.out.tfevents.* | tail -1)   (tensorboard --logdir $(DEMO_DIR)/run)"; \
	echo "  sample grid        $$grid   (rows: LR-up | SR | HR)"; \
	echo "  attention maps     $$(ls $(DEMO_DIR)/run/samples/attention-*.png | tail -1)"; \
	echo "  enhanced face      $(DEMO_DIR)/enhanced/face-sr.png   (input $(DEMO_DIR)/enhanced/face-sr-input.png, original $(DEMO_DIR)/enhanced/face.png)"; \
	echo "  metrics and plot   $(DEMO_DIR)/run/metrics.jsonl, $(DEMO_DIR)/run/loss.svg"; \
	echo "  eval               $(DEMO_DIR)/eval.json"
