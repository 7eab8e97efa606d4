# Cross build for aarch64 Linux with Debian's g++-aarch64-linux-gnu; tests run under qemu-aarch64
# (Debian qemu-user; choose the emulated CPU with QEMU_CPU). Used by `make test-aarch64`.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# LD_LIBRARY_PATH: the cross toolchain's C library first. Without it, on a machine that also has
# Debian's arm64 packages (multiarch, e.g. after make bench-aarch64), the guest's loader (from the
# cross prefix) took libc from /usr/lib/aarch64-linux-gnu through the host's ld.so.cache, a different
# glibc build, and threaded tests hung. The second directory serves libraries only multiarch has.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu
    -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:/usr/lib/aarch64-linux-gnu)
# Eigen, xsimd and Catch2 are header-only and found on the build machine: Debian installs xsimd's
# CMake config under the x86-64 library directory.
if(NOT xsimd_DIR AND EXISTS /usr/lib/x86_64-linux-gnu/cmake/xsimd)
  set(xsimd_DIR /usr/lib/x86_64-linux-gnu/cmake/xsimd)
endif()
# Google Benchmark for make bench-aarch64: Debian's arm64 package, installed beside the amd64 one
# (multiarch; the Makefile adds the architecture)
if(NOT benchmark_DIR AND EXISTS /usr/lib/aarch64-linux-gnu/cmake/benchmark)
  set(benchmark_DIR /usr/lib/aarch64-linux-gnu/cmake/benchmark)
endif()
