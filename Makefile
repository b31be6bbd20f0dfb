# Fabric: `make demo` and `make test` set up a fresh Debian machine (they install the two
# system libraries when missing), build, and run. Builds stay in .build/ (or $(SCRATCH)).
SWIFT ?= swift
SWIFT_FLAGS ?=
RELEASE_FLAGS = -c release
SAMPLE = Samples/KeyValueStore

.PHONY: all deps build release test test-core test-sample demo bench clean

all: build

# Installs the C libraries Fabric links (OpenSSL, zstd) and pkg-config, only when missing.
deps:
	@missing=""; \
	for pkg in libssl-dev libzstd-dev pkg-config; do \
	  dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build $(SWIFT_FLAGS)

release: deps
	$(SWIFT) build $(RELEASE_FLAGS) $(SWIFT_FLAGS)

# The whole suite: core, wire, reactor, transport, actor system, multi-process scenarios with the
# real `fabric` binary, and the sample application's own tests.
test: deps test-core test-sample

# Tests run one at a time (--no-parallel): several check that a failure arrives within a
# deadline, and on 2 cores the CPU-heavy fuzz and property tests running beside them would
# starve the concurrency pool for seconds. Serially the suite takes about 25 s.
test-core:
	$(SWIFT) build --build-tests $(SWIFT_FLAGS)
	$(SWIFT) test --skip-build --no-parallel $(SWIFT_FLAGS)

test-sample:
	cd $(SAMPLE) && $(SWIFT) build --build-tests && $(SWIFT) test --skip-build --no-parallel

# A local 3-node cluster as separate processes: calls across it, a node killed and restarted.
demo: build
	$(SWIFT) run $(SWIFT_FLAGS) fabric demo

# Benchmarks (release build) against the peers in ../shared/bench; never part of `make test`.
bench: release
	Benchmarks/run-all

clean:
	rm -rf .build $(SAMPLE)/.build
