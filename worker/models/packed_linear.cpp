#include "worker/models/packed_linear.h"

#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#ifdef CLIPGLASS_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace clipglass::models {

namespace {

std::atomic<bool> enabled{true};

// The same product on LibTorch's BLAS: epilogue(x [M, in] @ W + b), W stored [in, out] or
// [out, in].
at::Tensor BlasLinear(const at::Tensor& x, const at::Tensor& weight, bool transposed,
                      const at::Tensor& bias, Epilogue epilogue) {
  const at::Tensor in_out = transposed ? weight.t() : weight;  // [in, out]
  const at::Tensor y = bias.defined() ? at::addmm(bias, x, in_out) : at::matmul(x, in_out);
  return epilogue == Epilogue::kGeluTanh ? at::gelu(y, "tanh") : y;
}

}  // namespace

void PackedLinear::SetEnabled(bool on) { enabled.store(on); }

#ifdef CLIPGLASS_HAVE_DNNL

namespace {

dnnl::engine& CpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::memory::desc RowMajor(int64_t rows, int64_t cols) {
  return dnnl::memory::desc({rows, cols}, dnnl::memory::data_type::f32,
                            dnnl::memory::format_tag::ab);
}

// [rows, cols] inside a row-major matrix whose rows are `stride` floats apart.
dnnl::memory::desc Strided(int64_t rows, int64_t cols, int64_t stride) {
  return dnnl::memory::desc({rows, cols}, dnnl::memory::data_type::f32,
                            dnnl::memory::dims{stride, 1});
}

}  // namespace

struct PackedLinear::Packed {
  // What was packed: a different pointer, layout or version means a different weight. Holding
  // the tensor keeps its memory from being reused by another weight at the same address.
  at::Tensor source;
  int64_t in = 0;
  int64_t out = 0;
  bool transposed = false;
  uint32_t version = 0;
  bool has_bias = false;  // part of the primitive: each call site passes a bias always or never
  Epilogue epilogue = Epilogue::kNone;  // part of the primitive, as the bias

  // Output columns [first, first + width), packed on their own and multiplied by one thread.
  struct Slice {
    int64_t first = 0;
    int64_t width = 0;
    dnnl::memory::desc weights_desc;          // the blocked layout oneDNN chose
    dnnl::memory weights;                     // the packed copy (owned by oneDNN)
    std::map<int64_t, dnnl::matmul> by_rows;  // GUARDED_BY(mutex): one primitive per row count
  };
  std::vector<Slice> slices;
  std::mutex mutex;

  // y[:, slice] = x @ W[:, slice] + b[slice], y and b read with the whole output's row stride.
  dnnl::matmul::primitive_desc Describe(int64_t rows, const Slice& slice,
                                        const dnnl::memory::desc& weights_layout) const {
    const dnnl::memory::desc bias_desc =
        has_bias ? Strided(1, slice.width, out) : dnnl::memory::desc();
    dnnl::primitive_attr attr;
    if (epilogue == Epilogue::kGeluTanh) {
      // Applied to each output in registers, before it is stored: no second pass over y.
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_gelu_tanh, 0.0f, 0.0f);
      attr.set_post_ops(ops);
    }
    return dnnl::matmul::primitive_desc(
        dnnl::matmul::desc(RowMajor(rows, in), weights_layout, bias_desc,
                           Strided(rows, slice.width, out)),
        attr, CpuEngine());
  }

  dnnl::matmul& For(Slice& slice, int64_t rows) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = slice.by_rows.find(rows);
    if (it == slice.by_rows.end()) {
      // Every row count takes the one packed layout (the brgemm kernels accept it for any M).
      it = slice.by_rows.emplace(rows, dnnl::matmul(Describe(rows, slice, slice.weights_desc)))
               .first;
    }
    return it->second;
  }
};

PackedLinear::PackedLinear() = default;
PackedLinear::~PackedLinear() = default;

bool PackedLinear::Compiled() { return true; }

bool PackedLinear::Applies(const at::Tensor& x, const at::Tensor& weight) {
  return enabled.load(std::memory_order_relaxed) && !c10::GradMode::is_enabled() && x.is_cpu() &&
         weight.is_cpu() && x.scalar_type() == at::kFloat && weight.scalar_type() == at::kFloat &&
         weight.dim() == 2 && weight.is_contiguous();
}

std::shared_ptr<PackedLinear::Packed> PackedLinear::PackedFor(const at::Tensor& weight,
                                                              bool transposed, bool has_bias,
                                                              Epilogue epilogue) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Tensors made under c10::InferenceMode keep no version counter (LibTorch forbids writing them
  // outside that mode); their pointer and shape are the identity.
  const uint32_t version = weight.is_inference() ? 0 : weight._version();
  const int64_t in = transposed ? weight.size(1) : weight.size(0);
  const int64_t out = transposed ? weight.size(0) : weight.size(1);
  if (packed_ != nullptr && packed_->source.data_ptr() == weight.data_ptr() && packed_->in == in &&
      packed_->out == out && packed_->transposed == transposed && packed_->version == version &&
      packed_->has_bias == has_bias && packed_->epilogue == epilogue) {
    return packed_;
  }
  auto packed = std::make_shared<Packed>();
  packed->source = weight;
  packed->in = in;
  packed->out = out;
  packed->transposed = transposed;
  packed->version = version;
  packed->has_bias = has_bias;
  packed->epilogue = epilogue;
  dnnl::stream stream(CpuEngine());
  for (int64_t first = 0; first < out; first += kSliceColumns) {
    Packed::Slice& slice = packed->slices.emplace_back();
    slice.first = first;
    slice.width = std::min(kSliceColumns, out - first);
    // Let oneDNN choose the layout for a typical decoding batch; every row count then reuses it.
    const dnnl::memory::desc any({in, slice.width}, dnnl::memory::data_type::f32,
                                 dnnl::memory::format_tag::any);
    slice.weights_desc = packed->Describe(30, slice, any).weights_desc();
    slice.weights = dnnl::memory(slice.weights_desc, CpuEngine());
    // The slice's columns as they lie in memory, seen as [in, width]: row-major [in, out], or
    // [out, in] row-major read through the transposing strides.
    const dnnl::memory::dims strides =
        transposed ? dnnl::memory::dims{1, in} : dnnl::memory::dims{out, 1};
    const float* base = weight.data_ptr<float>() + (transposed ? first * in : first);
    const dnnl::memory::desc source_desc({in, slice.width}, dnnl::memory::data_type::f32, strides);
    dnnl::memory source(source_desc, CpuEngine(), const_cast<float*>(base));
    dnnl::reorder(source, slice.weights).execute(stream, source, slice.weights);
  }
  stream.wait();
  packed_ = packed;
  return packed_;
}

at::Tensor PackedLinear::Forward(const at::Tensor& x, const at::Tensor& weight, bool transposed,
                                 const at::Tensor& bias, Epilogue epilogue) {
  const int64_t m = x.size(0);
  const int64_t out = weight.size(transposed ? 0 : 1);
  if (m == 0) return at::empty({0, out}, x.options());
  // Zero rows up to a whole number of row blocks, so that no row is ever in a tail block.
  const int64_t rows = (m + kRowBlock - 1) / kRowBlock * kRowBlock;
  at::Tensor rows_in = x.contiguous();  // [rows, in]
  if (rows != m) rows_in = at::cat({rows_in, at::zeros({rows - m, x.size(1)}, x.options())});
  at::Tensor y = at::empty({rows, out}, rows_in.options());  // [rows, out]
  const at::Tensor bias_row = bias.defined() ? bias.contiguous() : at::Tensor();
  std::shared_ptr<Packed> packed;
  try {
    packed = PackedFor(weight, transposed, bias.defined(), epilogue);
  } catch (const dnnl::error& e) {
    TORCH_CHECK(false, "oneDNN: packing a [", x.size(1), ", ", out, "] weight: ", e.what());
  }
  // One thread per slice at a time, each running oneDNN on its own (inside a parallel region
  // oneDNN does not start threads; the region opens even for one slice, so that oneDNN never
  // splits a product itself): an output column is always computed by the same single-threaded
  // kernel over the same slice, whatever the thread count.
  const int64_t count = static_cast<int64_t>(packed->slices.size());
  std::atomic<bool> failed{false};
  std::string error;  // the first slice's failure, written once under `failed`
#pragma omp parallel for schedule(dynamic, 1) num_threads(at::get_num_threads())
  for (int64_t i = 0; i < count; ++i) {
    Packed::Slice& slice = packed->slices[static_cast<size_t>(i)];
    try {
      dnnl::matmul& matmul = packed->For(slice, rows);
      dnnl::memory src(RowMajor(rows, packed->in), CpuEngine(), rows_in.data_ptr());
      dnnl::memory dst(Strided(rows, slice.width, out), CpuEngine(),
                       y.data_ptr<float>() + slice.first);
      std::unordered_map<int, dnnl::memory> args = {
          {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, slice.weights}, {DNNL_ARG_DST, dst}};
      if (bias_row.defined()) {
        args.emplace(DNNL_ARG_BIAS, dnnl::memory(Strided(1, slice.width, out), CpuEngine(),
                                                 bias_row.data_ptr<float>() + slice.first));
      }
      dnnl::stream stream(CpuEngine());
      matmul.execute(stream, args);
      stream.wait();
    } catch (const std::exception& e) {  // none may leave the parallel region (oneDNN's too)
      if (!failed.exchange(true)) error = e.what();
    }
  }
  // Callers catch c10::Error (the worker turns it into a status naming the model and step).
  TORCH_CHECK(!failed.load(), "oneDNN matmul of [", m, ", ", rows_in.size(1),
              "] with the packed weight: ", error);
  return y.narrow(0, 0, m);  // the first m rows of a row-major tensor: contiguous, no copy
}

#else  // no oneDNN: LibTorch's BLAS serves every call

struct PackedLinear::Packed {};
PackedLinear::PackedLinear() = default;
PackedLinear::~PackedLinear() = default;
bool PackedLinear::Compiled() { return false; }
bool PackedLinear::Applies(const at::Tensor&, const at::Tensor&) { return false; }
std::shared_ptr<PackedLinear::Packed> PackedLinear::PackedFor(const at::Tensor&, bool, bool,
                                                              Epilogue) {
  return nullptr;
}
at::Tensor PackedLinear::Forward(const at::Tensor& x, const at::Tensor& weight, bool transposed,
                                 const at::Tensor& bias, Epilogue epilogue) {
  return BlasLinear(x, weight, transposed, bias, epilogue);
}

#endif

at::Tensor Linear(PackedLinear& packed, const at::Tensor& x, const at::Tensor& weight,
                  WeightLayout layout, const at::Tensor& bias, Epilogue epilogue) {
  const bool transposed = layout == WeightLayout::kOutIn;
  std::vector<int64_t> out_shape(x.sizes().begin(), x.sizes().end());
  out_shape.back() = weight.size(transposed ? 0 : 1);
  const at::Tensor rows = x.reshape({-1, x.size(-1)});  // [N, in], N = product of leading dims
  const int64_t out = out_shape.back();
  // Shapes that do not fit go to LibTorch, whose error names them.
  const bool fits = rows.size(1) == weight.size(transposed ? 1 : 0) &&
                    (!bias.defined() || (bias.scalar_type() == at::kFloat && bias.is_cpu() &&
                                         bias.dim() == 1 && bias.size(0) == out));
  if (fits && PackedLinear::Applies(rows, weight)) {
    return packed.Forward(rows, weight, transposed, bias, epilogue).view(out_shape);
  }
  return BlasLinear(rows, weight, transposed, bias, epilogue).view(out_shape);
}

}  // namespace clipglass::models
