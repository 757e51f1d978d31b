# gohpc — build, install, test and benchmark.
#
#   make notebook   Debian packages, build, kernelspec, Jupyter Notebook on notebooks/
#   make test       go vet, unit tests (race detector on the concurrent packages),
#                   end-to-end tests with real Jupyter clients
#   make bench      every benchmark, each against its anchor in the same run

SHELL       := /bin/bash
GO          ?= go
PYTHON      := /usr/bin/python3
BIN         := bin/gohpc
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
GOFLAGS_BUILD := -ldflags "-X main.version=$(VERSION)"
E2E_PREFIX  := $(CURDIR)/.e2e
# Packages with goroutines of their own: tested under the race detector.
RACE_PKGS   := ./kernel/... ./interp/... ./hpc/... ./display/...

# Debian packages, by purpose.
# gcc: %%native cells are Go plugins, which need cgo.
APT_NOTEBOOK := jupyter-notebook python3-ipykernel gcc
APT_TEST     := gcc jupyter-console python3-jupyter-client python3-jupyter-kernel-test python3-nbclient \
                python3-ipykernel python3-pexpect
APT_BENCH    := python3-numpy python3-numba libopenblas-dev python3-ipykernel
# The browser test: Jupyter Notebook, Debian's Chromium, playwright-core from npm.
APT_BROWSER  := jupyter-notebook chromium
# hpc.LocateMPI and notebook 05: Open MPI and MPICH, launchers and headers.
APT_MPI      := openmpi-bin libopenmpi-dev mpich libmpich-dev pkg-config
FUZZTIME     ?= 30s
# package:FuzzTarget, each run for $(FUZZTIME) by `make fuzz`; `make test`
# runs their seed corpora as ordinary tests.
FUZZ_TARGETS := ./kernel:FuzzDecode ./kernel:FuzzParseConnectionInfo ./kernel:FuzzZMTPReader \
                ./kernel:FuzzHandshake ./interp/magic:FuzzParse ./internal/nbformat:FuzzRead \
                ./hpc:FuzzMatMul ./hpc/internal/gemm:FuzzDgemm

.PHONY: all build install notebook test test-go test-e2e vet bench bench-kernel bench-hpc \
        bench-matmul bench-mpi generate clean deps-notebook deps-test deps-bench deps-browser \
        deps-mpi test-mpi mpi fuzz bench-matmul-openblas soak bench-native

all: build

build:
	CGO_ENABLED=1 $(GO) build $(GOFLAGS_BUILD) -o $(BIN) ./cmd/gohpc

# install: the kernelspec for the current user, pointing at bin/gohpc.
install: build
	$(BIN) install --user

notebook: deps-notebook install
	cd notebooks && exec jupyter notebook $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

test: deps-test vet test-go test-mpi test-e2e

vet:
	$(GO) vet ./...

test-go:
	$(GO) test -race $(RACE_PKGS)
	# yaegi's own races make some interp tests skip under -race: run them plain.
	$(GO) test -run 'TestInterrupt|TestGoroutinePanic|TestGolden' ./interp/
	$(GO) test $$($(GO) list ./... | grep -v -E '/(kernel|interp|hpc|display)(/|$$)')

# End-to-end: the kernel installed into a throwaway Jupyter path, driven by
# jupyter_client, jupyter_kernel_test and nbclient.
test-e2e: build
	rm -rf $(E2E_PREFIX)
	$(BIN) install --prefix $(E2E_PREFIX) >/dev/null
	JUPYTER_PATH=$(E2E_PREFIX)/share/jupyter GOHPC=$(CURDIR)/$(BIN) GOHPC_NO_WARM=1 \
	  $(PYTHON) -m unittest discover -s e2e -p 'test_*.py' -v

# The MPI wrapper with each library (cgo, only behind these tags).
test-mpi: deps-mpi
	$(GO) vet -tags mpi ./hpc/mpi/... && $(GO) vet -tags mpich ./hpc/mpi/...
	$(GO) test -tags mpi ./hpc/mpi/...
	$(GO) test -tags mpich ./hpc/mpi/...

# Stand-alone MPI workers, for hosts without the Go toolchain or the source.
mpi: deps-mpi
	$(GO) build -tags mpi   -o bin/gohpc-mpi-openmpi ./hpc/mpi/cmd/gohpc-mpi
	$(GO) build -tags mpich -o bin/gohpc-mpi-mpich   ./hpc/mpi/cmd/gohpc-mpi

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "== $${t#*:} in $${t%%:*} for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s "$${t%%:*}"; \
	done

bench: bench-kernel bench-hpc bench-matmul bench-mpi bench-native

# %%native through jupyter_client against the interpreted loop and CPython.
bench-native: deps-bench build
	rm -rf $(E2E_PREFIX)
	$(BIN) install --prefix $(E2E_PREFIX) >/dev/null
	JUPYTER_PATH=$(E2E_PREFIX)/share/jupyter $(PYTHON) e2e/bench_native.py

# 10,000 executes through jupyter_client: RSS growth after warm-up,
# goroutines, p50/p99 per thousand; fails when a bound is missed. SOAKFLAGS:
# --n 10000 --warmup 1000 --block 1000 --rss-growth-mb 20 --goroutine-growth 5 --p99-ratio 2
soak: deps-test build
	rm -rf $(E2E_PREFIX)
	$(BIN) install --prefix $(E2E_PREFIX) >/dev/null
	JUPYTER_PATH=$(E2E_PREFIX)/share/jupyter GOHPC_NO_WARM=1 $(PYTHON) e2e/soak.py $(SOAKFLAGS)

# The locator against Numba and NumPy, the pool against CPython threads and
# NumPy; each anchor runs in the same benchmark.
bench-hpc: deps-bench
	cd hpc && $(GO) test -run '^$$' -timeout 30m \
	  -bench '^Benchmark(Locate|LocateLargeCatalog|LocateWorkers|Gauss|SumRandom|InterpretedParallelFor)$$' .

# MatMul against NumPy/OpenBLAS timed in the same run, gonum's BLAS, 1 and 2
# workers; MATMUL_SIZES="256 1024 2048" narrows the sizes.
bench-matmul: deps-bench
	$(GO) test -run '^$$' -bench '^BenchmarkMatMul$$' -benchtime 1s -timeout 60m ./hpc/
	$(GO) test -run '^$$' -bench '^BenchmarkMicroKernel$$' -benchtime 1s ./hpc/internal/gemm/

# The same with OpenBLAS linked through cgo in the same process as well.
bench-matmul-openblas: deps-bench
	$(GO) test -tags openblas -run '^$$' -bench '^BenchmarkMatMul$$' -benchtime 1s -timeout 60m ./hpc/

bench-mpi: deps-mpi
	$(GO) test -run '^$$' -bench 'LocateMPI' -benchtime 3x ./hpc

bench-kernel: deps-bench build
	rm -rf $(E2E_PREFIX)
	$(BIN) install --prefix $(E2E_PREFIX) >/dev/null
	# The %%native build-cache warm-up is a background go build at each
	# start: left out, so the figures are the kernel's own.
	JUPYTER_PATH=$(E2E_PREFIX)/share/jupyter GOHPC_NO_WARM=1 $(PYTHON) e2e/bench_kernel.py

generate:
	$(GO) generate ./...

clean:
	rm -rf bin $(E2E_PREFIX)

# Debian packages are installed only when missing, after one apt-get update.
deps-notebook:
	@$(call apt_install,$(APT_NOTEBOOK))
deps-test:
	@$(call apt_install,$(APT_TEST) $(APT_BROWSER) $(APT_MPI))
	@$(MAKE) --no-print-directory deps-browser
deps-bench:
	@$(call apt_install,$(APT_BENCH) $(APT_MPI))
deps-mpi:
	@$(call apt_install,$(APT_MPI))
deps-browser:
	@$(call apt_install,$(APT_BROWSER))
	@[ -d e2e/browser/node_modules/playwright-core ] || \
	  npm ci --prefix e2e/browser --no-audit --no-fund --loglevel=error

define apt_install
missing=""; for p in $(1); do \
  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
done; \
if [ -n "$$missing" ]; then \
  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
  echo "Installing Debian packages:$$missing"; \
  $$sudo apt-get update -qq && \
  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
fi
endef
