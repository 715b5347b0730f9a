// y = x @ W + b on the CPU with W packed once into oneDNN's blocked layout.
//
// GPT-2's cached decoding multiplies a few rows (the population batch) by every weight matrix per
// generated token. OpenBLAS repacks the whole matrix on every call, which a few rows cannot
// amortise (16% of a cached step in a profile, docs/models/gpt2.md); oneDNN's matmul takes the
// weights pre-packed, so the packing is paid once per loaded model.
//
// Thread-safe. Falls back to at::addmm when oneDNN is not compiled in (CLIPGLASS_MODELS_ONLY builds
// against a pip LibTorch ship no oneDNN headers) or the inputs do not qualify (see Applies).
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <mutex>

namespace clipglass::models {

// What is applied to x @ W + b before it is returned: nothing, or GPT-2's GELU (tanh
// approximation), which the packed path computes in the product's registers.
enum class Epilogue { kNone, kGeluTanh };

class PackedLinear {
 public:
  PackedLinear();
  ~PackedLinear();
  PackedLinear(const PackedLinear&) = delete;
  PackedLinear& operator=(const PackedLinear&) = delete;

  // True when oneDNN is compiled in.
  static bool Compiled();

  // Process-wide switch (default on): off sends every call to LibTorch's BLAS, so a benchmark can
  // measure both in one run.
  static void SetEnabled(bool enabled);

  // True when the packed path serves these operands: oneDNN compiled in and enabled, float32 CPU
  // tensors, a contiguous weight and no autograd recording (training keeps LibTorch's
  // differentiable ops).
  static bool Applies(const at::Tensor& x, const at::Tensor& weight);

  // oneDNN's AVX2 kernels compute rows in blocks of 6 and round a tail block (M % 6 rows)
  // differently, so a row's bits would depend on how many rows share its call; Forward pads M
  // with zero rows to a multiple of this (AVX-512's kernels give the same bits either way; there
  // the padding costs at most 5 rows).
  static constexpr int64_t kRowBlock = 6;
  // Output columns are packed and multiplied in slices of this many, each by one thread with
  // oneDNN single-threaded: with oneDNN's own threading the split of rows and columns between
  // threads, and with it a row's bits, depends on the shape and the thread count.
  static constexpr int64_t kSliceColumns = 128;

  // x: [M, in]; weight: [in, out], or [out, in] when `transposed`; bias: [out] or undefined.
  // Returns epilogue(x @ W + b), [M, out] float32. The packed copy is remade when the weight
  // changes (another tensor, or the same one written in place: its version counter moved; a weight
  // made under c10::InferenceMode has no counter, so write such a weight only before its first
  // use). oneDNN's errors come back as c10::Error. REQUIRES: Applies(x, weight).
  at::Tensor Forward(const at::Tensor& x, const at::Tensor& weight, bool transposed,
                     const at::Tensor& bias, Epilogue epilogue = Epilogue::kNone);

 private:
  struct Packed;
  std::shared_ptr<Packed> PackedFor(const at::Tensor& weight, bool transposed, bool has_bias,
                                    Epilogue epilogue);

  std::mutex mutex_;
  std::shared_ptr<Packed> packed_;  // GUARDED_BY(mutex_)
};

// How a weight matrix is stored: [in, out] (GPT-2's Conv1D) or [out, in] (torch.nn.Linear, and
// the token embedding read as the tied LM head).
enum class WeightLayout { kInOut, kOutIn };

// epilogue(x @ W + bias) through `packed` when it applies, else at::addmm / at::matmul and
// at::gelu (the same math with LibTorch's BLAS and element-wise ops). x: [..., in] -> [..., out];
// bias may be undefined. Pass the stored parameter itself (not a view made per call), so that
// in-place writes to it are seen.
at::Tensor Linear(PackedLinear& packed, const at::Tensor& x, const at::Tensor& weight,
                  WeightLayout layout, const at::Tensor& bias, Epilogue epilogue = Epilogue::kNone);

}  // namespace clipglass::models
