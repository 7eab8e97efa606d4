// expect: lowp: -ffast-math / -Ofast
// flags: -ffinite-math-only
#include <lowp/quant/metrics.hpp>
