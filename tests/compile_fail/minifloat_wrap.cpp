// expect: overflow::wrap is for integer and fixed types
#include <lowp/format/convert.hpp>
#include <lowp/format/minifloat.hpp>
auto x = lowp::convert<lowp::float8_e4m3fn>(1.0f, lowp::rounding::nearest_even{}, lowp::overflow::wrap{});
