// expect: must be at most 64
#include <lowp/format/fixed.hpp>
lowp::fixed<40, 24> x;
