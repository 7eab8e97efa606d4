# lowp: the commands of the README. Each installs the Debian packages it lacks (as root; otherwise
# it prints the one command to run and stops), configures, builds and runs.
#   make demo             the format explorer (examples/explore.cpp: table + SVG charts) and the model
#                         explorer on a real model (examples/digits.cpp: an MLP trained on scikit-learn's
#                         digits, optimal allocations and their test accuracy, report and re-quantized
#                         files), all in build/demo/
#   make test             the test suite twice: a -O2 build and an ASan + UBSan build
#   make test-exhaustive  all 2^32 float bit patterns for every 8/6/4-bit format (a few minutes)
#   make test-aarch64     the suite cross-built for aarch64, run under qemu-aarch64 as three CPUs
#                         (i8mm, sdot only, neither), and the digest compared with the x86-64 one
#                         (TEST_SET=simd,quant,intops,bits: the CPU-dependent suites, as CI runs it)
#   make test-i686        the suite cross-built for 32-bit x86 (portable 128-bit integers, SSE2 math),
#                         run natively (or under qemu-i386), and its digest compared with x86-64's
#   make bench            the Google Benchmark programs of bench/, -march=native
#   make docs             the API reference from the headers' comments (Doxygen): build/docs/html
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD_DEPS := cmake ninja-build g++ pkg-config libeigen3-dev libxsimd-dev
# clang: the suite also compiles lowp with clang++ (strict warnings; bits independent of the compiler),
# with libstdc++ and with LLVM's libc++
TEST_DEPS := $(BUILD_DEPS) catch2 clang libc++-14-dev libc++abi-14-dev nlohmann-json3-dev python3-numpy
BENCH_DEPS := $(BUILD_DEPS) libbenchmark-dev libdnnl-dev libfixmath-dev
DOCS_DEPS := doxygen
# the model demo's data: scikit-learn's handwritten digits (digits.csv.gz ships in python3-sklearn)
DEMO_DEPS := $(TEST_DEPS) python3-sklearn
DIGITS_CSV := /usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz
AARCH64_DEPS := g++-aarch64-linux-gnu qemu-user libbenchmark-dev nlohmann-json3-dev
I686_DEPS := g++-i686-linux-gnu qemu-user
FUZZ_DEPS := clang libclang-rt-14-dev nlohmann-json3-dev libeigen3-dev libxsimd-dev
# seconds each fuzz target runs in `make fuzz` (CI passes a shorter time)
FUZZ_TIME ?= 60
# libFuzzer's seed (0: a fresh one each run; CI fixes one so its run is repeatable)
FUZZ_SEED ?= 0
FUZZ_TARGETS := npy safetensors gguf imatrix
# the test suites of the cross builds: full, or a comma-separated list of format, quant, simd, intops,
# io, bits (tests/CMakeLists.txt: LOWP_TEST_SET)
TEST_SET ?= full
# the cross builds' optimisation, as the release preset's
CROSS_FLAGS := -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG"
# the strict warnings of the test suite (tests/CMakeLists.txt), for the builds the Makefile runs itself
STRICT := -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wdouble-promotion -Werror
# qemu for the aarch64 programs: the cross toolchain's C library first (cmake/aarch64-linux-gnu.cmake
# says why)
QEMU_AARCH64 := qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:/usr/lib/aarch64-linux-gnu
# qemu CPU model : the level lowp must detect on it
AARCH64_CPUS := max:i8mm neoverse-n1:sdot cortex-a53:neon

.PHONY: deps-demo demo test test-release test-asan test-exhaustive digest-x86-64 test-aarch64 test-i686 bench docs deps-build deps-test deps-bench deps-docs \
        deps-aarch64 deps-i686 deps-fuzz deps-npm fuzz bench-aarch64 clean

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
deps-demo:
	$(call install_missing,$(DEMO_DEPS))
deps-aarch64:
	$(call install_missing,$(AARCH64_DEPS))
deps-i686:
	$(call install_missing,$(I686_DEPS))
deps-fuzz:
	$(call install_missing,$(FUZZ_DEPS))
# the npm GGUF parser the interop test compares with (an independent implementation; node is on the
# machine): installed once into build/npm at a pinned version; without node or the registry the
# test is left out (CMake says so)
NPM_GGUF := @huggingface/gguf@0.4.6
deps-npm:
	@if command -v npm >/dev/null 2>&1 && [ ! -f build/npm/node_modules/@huggingface/gguf/package.json ]; then \
	  mkdir -p build/npm && (cd build/npm && npm install --silent --no-audit --no-fund --prefix . $(NPM_GGUF)) \
	    || echo "lowp: could not install $(NPM_GGUF): the npm GGUF interop test will be skipped"; \
	fi

demo: deps-demo
	cmake --preset release >/dev/null
	cmake --build build/release --target explore digits lowp-explore -j $(JOBS)
	mkdir -p build/demo && cd build/demo && ../release/examples/explore
	zcat $(DIGITS_CSV) > build/demo/digits.csv
	@echo; echo "== the model explorer on a real model: an MLP trained on scikit-learn's digits =="
	cd build/demo && ../release/examples/digits digits.csv
	@echo; echo "== the same model through the command-line tool (lowp-explore) =="
	cd build/demo && ../release/tools/lowp-explore digits_mlp.safetensors --imatrix digits_mlp.imatrix.gguf \
	  --budget 4.5 --out digits_mlp-4.5bit.safetensors --report digits_mlp.cli-report.html | tail -12

test: test-release test-asan

test-release: deps-test deps-npm
	cmake --preset release >/dev/null
	cmake --build build/release -j $(JOBS)
	ctest --test-dir build/release --output-on-failure -j $(JOBS)

test-asan: deps-test deps-npm
	cmake --preset asan >/dev/null
	cmake --build build/asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build/asan --output-on-failure -j $(JOBS)

test-exhaustive: deps-test
	cmake --preset release >/dev/null
	cmake --build build/release --target lowp_exhaustive -j $(JOBS)
	./build/release/tests/lowp_exhaustive

# the reference digest of the cross builds: the x86-64 release build's, written once
digest-x86-64: deps-test
	cmake --preset release >/dev/null
	cmake --build build/release --target lowp_bits_default -j $(JOBS)
	./build/release/tests/lowp_bits_default > build/digest-x86-64.txt

test-aarch64: deps-test deps-aarch64 digest-x86-64
	cmake -S . -B build/aarch64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
	  $(CROSS_FLAGS) -DLOWP_TEST_SET=$(TEST_SET) -DLOWP_BUILD_BENCH=OFF \
	  -DLOWP_BUILD_EXAMPLES=$(if $(filter full,$(TEST_SET)),ON,OFF) >/dev/null
	cmake --build build/aarch64 -j $(JOBS)
	@# the first CPU (every level) runs every test, each test covering every level up to the CPU's; the
	@# others the full suite too, or with a narrower TEST_SET their level's detection and its digest
	@first=1; for entry in $(AARCH64_CPUS); do \
	  cpu=$${entry%%:*}; level=$${entry##*:}; \
	  only=""; [ $$first = 1 ] || [ "$(TEST_SET)" = full ] || only="-R LOWP_MAX_ISA|^bits"; first=0; \
	  echo "lowp: aarch64 tests on qemu -cpu $$cpu (expects level $$level) $$only"; \
	  log=build/aarch64/ctest-$$cpu.log; \
	  QEMU_CPU=$$cpu LOWP_EXPECT_CPU_ISA=$$level ctest --test-dir build/aarch64 $$only --output-on-failure -j $(JOBS) > $$log 2>&1 \
	    || { grep -v "^ *Start\|Passed" $$log | tail -80; exit 1; }; \
	  tail -3 $$log | head -1; \
	done
	QEMU_CPU=max $(QEMU_AARCH64) build/aarch64/tests/lowp_bits_default > build/aarch64/digest-aarch64.txt
	cmp build/digest-x86-64.txt build/aarch64/digest-aarch64.txt
	@echo "lowp: aarch64 digest = x86-64 digest ($$(wc -l < build/digest-x86-64.txt) lines)"
	mkdir -p build/aarch64/clang-inc && ln -sfn /usr/include/xsimd build/aarch64/clang-inc/xsimd
	clang++ --target=aarch64-linux-gnu -std=c++20 -O2 $(STRICT) -Iinclude -isystem /usr/include/eigen3 \
	  -isystem build/aarch64/clang-inc tests/bits/digest.cpp -o build/aarch64/digest-clang -static
	QEMU_CPU=max qemu-aarch64 build/aarch64/digest-clang > build/aarch64/digest-aarch64-clang.txt
	cmp build/digest-x86-64.txt build/aarch64/digest-aarch64-clang.txt
	@echo "lowp: aarch64 digest built by clang++ (SDOT and SMMLA through inline assembly) = x86-64 digest"
	mkdir -p build/aarch64/bench-inc && ln -sfn /usr/include/benchmark build/aarch64/bench-inc/benchmark \
	  && ln -sfn /usr/include/xsimd build/aarch64/bench-inc/xsimd && ln -sfn /usr/include/nlohmann build/aarch64/bench-inc/nlohmann
	@if [ "$(TEST_SET)" = full ]; then for f in bench/*.cpp; do \
	  aarch64-linux-gnu-g++ -std=c++20 -fsyntax-only -Iinclude -isystem /usr/include/eigen3 \
	    -isystem build/aarch64/bench-inc $$f || exit 1; \
	done; echo "lowp: every benchmark compiles for aarch64 (make bench-aarch64 builds and starts them)"; fi
	@for f in tests/strict/instantiate.cpp tests/strict/io_instantiate.cpp; do \
	  aarch64-linux-gnu-g++ -std=c++20 -fsyntax-only $(STRICT) -Wno-psabi -Iinclude -isystem /usr/include/eigen3 \
	    -isystem build/aarch64/bench-inc $$f || exit 1; \
	done
	@echo "lowp: every public header and the file layer compile for aarch64 under the strict warnings"

test-i686: deps-test deps-i686 digest-x86-64
	cmake -S . -B build/i686 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/i686-linux-gnu.cmake \
	  $(CROSS_FLAGS) -DLOWP_TEST_SET=$(TEST_SET) -DLOWP_BUILD_BENCH=OFF -DLOWP_BUILD_EXAMPLES=OFF >/dev/null
	cmake --build build/i686 -j $(JOBS)
	ctest --test-dir build/i686 --output-on-failure -j $(JOBS) > build/i686/ctest.log 2>&1 \
	  || { grep -v "^ *Start\|Passed" build/i686/ctest.log | tail -80; exit 1; }
	@tail -3 build/i686/ctest.log | head -1
	run="qemu-i386 -L /usr/i686-linux-gnu"; \
	  /usr/i686-linux-gnu/lib/ld-linux.so.2 --version >/dev/null 2>&1 \
	    && run="/usr/i686-linux-gnu/lib/ld-linux.so.2 --library-path /usr/i686-linux-gnu/lib"; \
	  $$run build/i686/tests/lowp_bits_default > build/i686/digest-i686.txt
	cmp build/digest-x86-64.txt build/i686/digest-i686.txt
	@echo "lowp: i686 digest = x86-64 digest ($$(wc -l < build/digest-x86-64.txt) lines)"
	@for f in tests/strict/instantiate.cpp tests/strict/io_instantiate.cpp; do \
	  i686-linux-gnu-g++ -std=c++20 -fsyntax-only -msse2 -mfpmath=sse $(STRICT) -Wno-psabi -Iinclude \
	    -isystem /usr/include/eigen3 $$f || exit 1; \
	done
	@echo "lowp: every public header and the file layer compile for i686 (32-bit sizes) under the strict warnings"

# libFuzzer on every reader of the file layer, from the kept corpus (tests/fuzz/corpus/<target>);
# new inputs land in build/fuzz/<target>; a crash leaves crash-* there: add it to the corpus
# (it then replays in every `make test`) once fixed.
FUZZ_BINS := $(addprefix build/fuzz/fuzz_,$(FUZZ_TARGETS))
# (one rule per target: make -j builds them side by side)
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.cpp tests/fuzz/fuzz_io.hpp $(wildcard include/lowp/*/*.hpp)
	@mkdir -p build/fuzz
	clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	  -Iinclude -isystem /usr/include/eigen3 $< -o $@

fuzz: deps-fuzz
	$(MAKE) -j $(JOBS) $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/$$t; \
	  echo "lowp: fuzzing $$t for $(FUZZ_TIME) s"; \
	  (cd build/fuzz && ./fuzz_$$t -max_total_time=$(FUZZ_TIME) -rss_limit_mb=2048 -malloc_limit_mb=512 -seed=$(FUZZ_SEED) \
	    -print_final_stats=1 $$t ../../tests/fuzz/corpus/$$t > $$t.log 2>&1) \
	    || { tail -60 build/fuzz/$$t.log; exit 1; }; \
	  grep -E "stat::number_of_executed_units|stat::peak_rss_mb|INITED|DONE" build/fuzz/$$t.log | tr '\n' ' '; echo; \
	done

# The benchmarks cross-built for aarch64 and started under qemu (each lists its cases, the conversion
# bench runs its L1-sized cases): they build and run there; qemu's timings mean nothing, figures
# need an aarch64 machine. Needs Debian's arm64 Google Benchmark beside the amd64 one (multiarch:
# the target adds the arm64 architecture to dpkg when run as root).
bench-aarch64: deps-aarch64
	@if ! dpkg --print-foreign-architectures | grep -qx arm64; then \
	  if [ "$$(id -u)" = 0 ]; then echo "lowp: adding the arm64 architecture to dpkg"; \
	    dpkg --add-architecture arm64 && apt-get update -qq || exit 1; \
	  else echo "run: sudo dpkg --add-architecture arm64 && sudo apt-get update"; exit 1; fi; \
	fi
	$(call install_missing,libbenchmark-dev:arm64 nlohmann-json3-dev)
	cmake -S . -B build/bench-aarch64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
	  -DCMAKE_BUILD_TYPE=Release -DLOWP_BUILD_TESTS=OFF -DLOWP_BUILD_EXAMPLES=OFF -DLOWP_BUILD_BENCH=ON >/dev/null
	cmake --build build/bench-aarch64 -j $(JOBS)
	@for b in convert quantize matmul intops io; do \
	  out=$$(QEMU_CPU=max $(QEMU_AARCH64) build/bench-aarch64/bench/bench_$$b --benchmark_list_tests) \
	    || exit 1; echo "lowp: bench_$$b (aarch64) lists $$(echo "$$out" | wc -l) cases"; \
	done
	QEMU_CPU=max $(QEMU_AARCH64) build/bench-aarch64/bench/bench_convert \
	  --benchmark_filter='e4m3fn/.*/16KiB' --benchmark_min_time=0.01

bench: deps-bench
	cmake --preset bench >/dev/null
	cmake --build build/bench -j $(JOBS)
	./build/bench/bench/bench_convert
	./build/bench/bench/bench_quantize
	./build/bench/bench/bench_matmul
	./build/bench/bench/bench_intops
	./build/bench/bench/bench_io

docs: deps-docs
	mkdir -p build/docs
	doxygen docs/Doxyfile
	@echo "lowp: API reference in build/docs/html/index.html"

clean:
	rm -rf build
