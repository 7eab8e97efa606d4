// expect: exponent bits E must be at least 1
#include <lowp/format/minifloat.hpp>
lowp::minifloat<0, 3> x;
