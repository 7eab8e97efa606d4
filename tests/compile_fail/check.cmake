# Compiles one file that must not compile, and checks that the error names the parameter: the
# file's first line is "// expect: <text>", and <text> must appear in the compiler's output.
file(STRINGS ${SRC} first LIMIT_COUNT 1)
string(REGEX REPLACE "^// expect: " "" expect "${first}")
execute_process(COMMAND ${CXX} -std=c++20 -fsyntax-only -I${INC} ${SRC}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SRC} compiled, but it must not")
endif()
string(FIND "${out}${err}" "${expect}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${SRC} failed without the message '${expect}':\n${err}")
endif()
message(STATUS "refused with: ${expect}")
