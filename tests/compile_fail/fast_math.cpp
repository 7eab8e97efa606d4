// expect: lowp: -ffast-math / -Ofast
// flags: -ffast-math
#include <lowp/format/minifloat.hpp>
lowp::float8_e4m3fn x(1.0f);
