# Compiles one file with another compiler (clang++) under the strict warnings and -Werror, syntax
# only: lowp's headers must be warning-clean for every compiler users build with.
#   cmake -DCXX=clang++ -DSRC=file.cpp -DLOWP_INC=include "-DINCS=dir|dir" "-DFLAGS=..." -P compile.cmake
include(${CMAKE_CURRENT_LIST_DIR}/../support/isystem.cmake)
execute_process(COMMAND ${CXX} -std=c++20 -fsyntax-only ${flag_list} -I${LOWP_INC} ${inc_flags} ${SRC}
                RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${CXX} ${FLAGS} on ${SRC}:\n${out}${err}")
endif()
message(STATUS "${CXX}: no warning in ${SRC}")
