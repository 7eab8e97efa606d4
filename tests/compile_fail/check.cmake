# Compiles one file that must not compile, and checks that the error names the parameter: the
# file's first line is "// expect: <text>", and <text> must appear in the compiler's output. An
# optional second line "// flags: <flags>" adds compiler flags. INCS holds more include
# directories (Eigen's), separated by '|'.
file(STRINGS ${SRC} lines LIMIT_COUNT 2)
list(GET lines 0 first)
string(REGEX REPLACE "^// expect: " "" expect "${first}")
set(FLAGS)
list(LENGTH lines n)
if(n GREATER 1)
  list(GET lines 1 second)
  if(second MATCHES "^// flags: ")
    string(REGEX REPLACE "^// flags: " "" FLAGS "${second}")
  endif()
endif()
include(${CMAKE_CURRENT_LIST_DIR}/../support/isystem.cmake)
execute_process(COMMAND ${CXX} -std=c++20 -fsyntax-only ${flag_list} -I${INC} ${inc_flags} ${SRC}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SRC} compiled, but it must not")
endif()
string(FIND "${out}${err}" "${expect}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${SRC} failed without the message '${expect}':\n${err}")
endif()
string(REGEX MATCHALL "error:" errors "${out}${err}")
list(LENGTH errors count)
message(STATUS "refused with: ${expect} (${count} error lines)")
