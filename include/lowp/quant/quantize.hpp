// lowp/quant/quantize.hpp: every quantization scheme of lowp in one include.
//   quant/uniform.hpp    quantize<T [, ScaleT]>(m, granularity [, rule, rounding]): any format, any granularity
//   quant/mx.hpp         mxfp8_e4m3, mxfp8_e5m2, mxfp6_e2m3, mxfp6_e3m2, mxfp4, mxint8, nvfp4
//   quant/gguf.hpp       llama.cpp-compatible q8_0, q4_0, tq1_0, tq2_0 (raw block bytes in and out)
//   quant/tritplane.hpp  W ≈ α1·T1 + α2·T2 per group (PTQTP)
//   quant/metrics.hpp    mse, sqnr_db, max_abs_error, row_report
// Each offers quantize, dequantize (→ lowp::matrix<float>) and fake_quantize (one pass, nothing
// packed, bit-identical to dequantize(quantize(...))).
#pragma once
#include "lowp/quant/block_matmul.hpp"
#include "lowp/quant/gguf.hpp"
#include "lowp/quant/granularity.hpp"
#include "lowp/quant/matmul.hpp"
#include "lowp/quant/matrix.hpp"
#include "lowp/quant/metrics.hpp"
#include "lowp/quant/mx.hpp"
#include "lowp/quant/scale.hpp"
#include "lowp/quant/tritplane.hpp"
#include "lowp/quant/uniform.hpp"
