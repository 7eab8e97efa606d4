# Builds one program from two files with different -march flags and no CMake target (plain -I, as a
# user might), runs it, and fails if the build or the run fails. FLAGS_A and FLAGS_B are the two
# files' flags ('|'-separated); INCS holds Eigen's and xsimd's include directories, '|'-separated.
# CPU (optional) is a /proc/cpuinfo flag the flags need: without it the test prints "skipped".
include(${CMAKE_CURRENT_LIST_DIR}/../support/isystem.cmake)
if(CPU)
  file(READ /proc/cpuinfo cpuinfo)
  if(NOT cpuinfo MATCHES "[ \t]${CPU}[ \n]")
    message(STATUS "skipped: this CPU has no ${CPU}")
    return()
  endif()
endif()
file(MAKE_DIRECTORY ${OUT})
function(build name flags)
  string(REPLACE "|" ";" flag_list "${flags}")
  execute_process(COMMAND ${CXX} -std=c++20 -O2 ${flag_list} -I${INC} ${inc_flags} -c
                          ${CMAKE_CURRENT_LIST_DIR}/${name}.cpp -o ${OUT}/${name}.o
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name}.cpp (${flags}) did not build:\n${err}")
  endif()
endfunction()
build(producer "${FLAGS_A}")
build(consumer "${FLAGS_B}")
execute_process(COMMAND ${CXX} ${OUT}/producer.o ${OUT}/consumer.o -o ${OUT}/mixed -pthread RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "link failed:\n${err}")
endif()
execute_process(COMMAND ${OUT}/mixed RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the mixed-flags program failed (${rc}):\n${out}${err}")
endif()
message(STATUS "${out}")
