// expect: overflow::wrap is not defined for trits
#include <lowp/format/convert.hpp>
#include <lowp/format/ternary.hpp>
auto x = lowp::convert<lowp::trit>(1.0f, lowp::rounding::nearest_even{}, lowp::overflow::wrap{});
