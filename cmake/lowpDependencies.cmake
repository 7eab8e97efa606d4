# The two dependencies of the library itself, both from Debian packages.
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
# Debian's xsimd 8.1 target names `xtl` in its link interface, which is not installed
# (docs/building.md §1): an empty imported target stands in for it.
if(NOT TARGET xtl)
  add_library(xtl INTERFACE IMPORTED)
endif()
find_package(xsimd 8 REQUIRED)
# The file layer (include/lowp/io.hpp, target lowp::io) parses JSON with nlohmann-json (Debian
# nlohmann-json3-dev, header-only); the rest of lowp does not need it.
find_package(nlohmann_json 3.10 QUIET)
