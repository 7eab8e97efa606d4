// expect: leave no nonzero finite value
#include <lowp/format/minifloat.hpp>
lowp::minifloat<1, 0, lowp::encoding::ieee> x;
