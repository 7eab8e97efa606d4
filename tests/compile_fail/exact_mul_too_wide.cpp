// expect: the exact product needs more than 64 bits
#include <lowp/format/fixed.hpp>
auto x = lowp::exact_mul(lowp::q16_16(1), lowp::fixed<20, 20>(1));
