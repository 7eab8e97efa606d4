// expect: Rounding must be a lowp::rounding tag
#include <lowp/format/fixed.hpp>
lowp::fixed<7, 8, int> x;
