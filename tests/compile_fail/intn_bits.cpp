// expect: Bits must be between 1 and 16
#include <lowp/format/intn.hpp>
lowp::intn<17> x;
