// expect: must be at most 16 bits
#include <lowp/format/minifloat.hpp>
lowp::minifloat<8, 10> x;
