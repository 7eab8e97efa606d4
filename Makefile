# lowp: the commands of the README. Each installs the Debian packages it lacks (as root; otherwise
# it prints the one command to run and stops), configures, builds and runs.
#   make demo             the format explorer (examples/explore.cpp): table + SVG charts in build/demo/
#   make test             the test suite twice: a -O3 build and an ASan + UBSan build
#   make test-exhaustive  all 2^32 float bit patterns for every 8/6/4-bit format (a few minutes)
#   make bench            the Google Benchmark programs of bench/, -march=native
#   make docs             the API reference from the headers' comments (Doxygen): build/docs/html
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD_DEPS := cmake ninja-build g++ pkg-config libeigen3-dev libxsimd-dev
# clang: the suite also compiles lowp with clang++ (strict warnings; bits independent of the compiler)
TEST_DEPS := $(BUILD_DEPS) catch2 clang
BENCH_DEPS := $(BUILD_DEPS) libbenchmark-dev libdnnl-dev libfixmath-dev
DOCS_DEPS := doxygen

.PHONY: demo test test-release test-asan test-exhaustive bench docs deps-build deps-test deps-bench deps-docs clean

define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "lowp: installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "lowp needs these Debian packages:$$missing"; \
	    echo "run:  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
endef

deps-build:
	$(call install_missing,$(BUILD_DEPS))
deps-test:
	$(call install_missing,$(TEST_DEPS))
deps-bench:
	$(call install_missing,$(BENCH_DEPS))
deps-docs:
	$(call install_missing,$(DOCS_DEPS))

demo: deps-test
	cmake --preset release >/dev/null
	cmake --build build/release --target explore -j $(JOBS)
	mkdir -p build/demo && cd build/demo && ../release/examples/explore

test: test-release test-asan

test-release: deps-test
	cmake --preset release >/dev/null
	cmake --build build/release -j $(JOBS)
	ctest --test-dir build/release --output-on-failure -j $(JOBS)

test-asan: deps-test
	cmake --preset asan >/dev/null
	cmake --build build/asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build/asan --output-on-failure -j $(JOBS)

test-exhaustive: deps-test
	cmake --preset release >/dev/null
	cmake --build build/release --target lowp_exhaustive -j $(JOBS)
	./build/release/tests/lowp_exhaustive

bench: deps-bench
	cmake --preset bench >/dev/null
	cmake --build build/bench -j $(JOBS)
	./build/bench/bench/bench_convert
	./build/bench/bench/bench_quantize
	./build/bench/bench/bench_matmul
	./build/bench/bench/bench_intops

docs: deps-docs
	mkdir -p build/docs
	doxygen docs/Doxyfile
	@echo "lowp: API reference in build/docs/html/index.html"

clean:
	rm -rf build
