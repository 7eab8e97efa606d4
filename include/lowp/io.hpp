// lowp/io.hpp: the file layer: .npy, safetensors, GGUF (and the tensor views they share). Not part of
// lowp.hpp, so a program that reads no files does not pay for the JSON library these headers use.
//
//   #include <lowp/io.hpp>
//   auto f = lowp::io::read_safetensors("model.safetensors");
//   lowp::matrix<float> w = f["layer.0.weight"].to_float();
#pragma once
#include "lowp/io/file.hpp"
#include "lowp/io/gguf.hpp"
#include "lowp/io/model.hpp"
#include "lowp/io/npy.hpp"
#include "lowp/io/report.hpp"
#include "lowp/io/safetensors.hpp"
#include "lowp/io/tensor.hpp"
