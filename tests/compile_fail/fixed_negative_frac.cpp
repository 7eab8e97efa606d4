// expect: FracBits must be at least 0
#include <lowp/format/fixed.hpp>
lowp::fixed<4, -1> x;
