# The README's commands. `make test` installs what is missing, builds, and runs every test.
SHELL := /bin/bash
DEBIAN_PACKAGES := pkg-config libopenblas-dev libopenmpi-dev openmpi-bin libhdf5-dev hdf5-tools \
                   libpng-dev libjpeg62-turbo-dev
# Numeric tests run on a release-optimized build: the Double references and central
# differences are too slow unoptimized.
SWIFT_TEST_FLAGS ?= -c release

.PHONY: test deps build clean

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
