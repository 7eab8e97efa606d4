// expect: lowp: FLT_EVAL_METHOD != 0
// flags: -mfpmath=387
#include <lowp/format/minifloat.hpp>
lowp::float8_e4m3fn x(1.0f);
