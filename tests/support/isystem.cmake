# Included by the test scripts that run a compiler themselves (compile_fail/check.cmake,
# strict/compile.cmake, bits/compare.cmake): INCS, the dependencies' include directories separated
# by '|', become -isystem flags in inc_flags; FLAGS, a string, becomes the list flag_list.
separate_arguments(flag_list UNIX_COMMAND "${FLAGS}")
set(inc_flags)
string(REPLACE "|" ";" inc_list "${INCS}")
foreach(dir ${inc_list})
  list(APPEND inc_flags -isystem ${dir})
endforeach()
