# Flags for lowp's own tests, benchmarks and examples (never imposed on users).
add_library(lowp_dev_flags INTERFACE)
target_compile_options(lowp_dev_flags INTERFACE -Wall -Wextra -Wpedantic -Wno-psabi)
if(LOWP_SANITIZE)
  target_compile_options(lowp_dev_flags INTERFACE -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(lowp_dev_flags INTERFACE -fsanitize=address,undefined -fno-sanitize-recover=all)
endif()
