# Cross build for 32-bit x86 Linux with Debian's g++-i686-linux-gnu; tests run under qemu-i386
# (Debian qemu-user). Used by `make test-i686`. lowp needs SSE2 arithmetic on 32-bit x86 (x87
# excess precision would round float expressions twice; core/fp.hpp refuses it): -msse2 -mfpmath=sse.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR i686)
set(CMAKE_CXX_COMPILER i686-linux-gnu-g++)
set(CMAKE_CXX_FLAGS_INIT "-msse2 -mfpmath=sse")
# An x86-64 Linux kernel runs i686 programs itself (through Debian's i686 loader, fifty times
# faster than emulation); qemu-i386 where it cannot.
set(lowp_i686_loader /usr/i686-linux-gnu/lib/ld-linux.so.2)
execute_process(COMMAND ${lowp_i686_loader} --version RESULT_VARIABLE lowp_i686_native OUTPUT_QUIET ERROR_QUIET)
if(lowp_i686_native EQUAL 0)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${lowp_i686_loader} --library-path /usr/i686-linux-gnu/lib)
else()
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-i386 -L /usr/i686-linux-gnu)
endif()
if(NOT xsimd_DIR AND EXISTS /usr/lib/x86_64-linux-gnu/cmake/xsimd)
  set(xsimd_DIR /usr/lib/x86_64-linux-gnu/cmake/xsimd)
endif()
