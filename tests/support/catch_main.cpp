// tests/support/catch_main.cpp: Catch2's main, for builds that cannot link the build machine's
// prebuilt Catch2WithMain (cross builds).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
