#include "worker/models/packed_linear.h"

#include <c10/core/GradMode.h>

#include <atomic>
#include <map>
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

  dnnl::memory::desc weights_desc;  // the blocked layout oneDNN chose
  dnnl::memory weights;             // the packed copy (owned by oneDNN)
  std::mutex mutex;
  std::map<int64_t, dnnl::matmul> by_rows;  // GUARDED_BY(mutex): one primitive per row count

  dnnl::matmul::primitive_desc Describe(int64_t rows,
                                        const dnnl::memory::desc& weights_layout) const {
    const dnnl::memory::desc bias_desc = has_bias ? RowMajor(1, out) : dnnl::memory::desc();
    dnnl::primitive_attr attr;
    if (epilogue == Epilogue::kGeluTanh) {
      // Applied to each output in registers, before it is stored: no second pass over y.
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_gelu_tanh, 0.0f, 0.0f);
      attr.set_post_ops(ops);
    }
    return dnnl::matmul::primitive_desc(
        dnnl::matmul::desc(RowMajor(rows, in), weights_layout, bias_desc, RowMajor(rows, out)),
        attr, CpuEngine());
  }

  dnnl::matmul& For(int64_t rows) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = by_rows.find(rows);
    if (it == by_rows.end()) {
      // Every row count takes the one packed layout (the brgemm kernels accept it for any M).
      it = by_rows.emplace(rows, dnnl::matmul(Describe(rows, weights_desc))).first;
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
  // Let oneDNN choose the layout for a typical decoding batch; every row count then reuses it.
  const dnnl::memory::desc any({packed->in, packed->out}, dnnl::memory::data_type::f32,
                               dnnl::memory::format_tag::any);
  packed->weights_desc = packed->Describe(32, any).weights_desc();
  packed->weights = dnnl::memory(packed->weights_desc, CpuEngine());
  // The source as it lies in memory, seen as [in, out]: row-major, or [out, in] row-major read
  // through the transposing strides.
  const dnnl::memory::dims strides =
      transposed ? dnnl::memory::dims{1, in} : dnnl::memory::dims{out, 1};
  const dnnl::memory::desc source_desc({in, out}, dnnl::memory::data_type::f32, strides);
  dnnl::memory source(source_desc, CpuEngine(), weight.data_ptr());
  dnnl::stream stream(CpuEngine());
  dnnl::reorder(source, packed->weights).execute(stream, source, packed->weights);
  stream.wait();
  packed_ = packed;
  return packed_;
}

at::Tensor PackedLinear::Forward(const at::Tensor& x, const at::Tensor& weight, bool transposed,
                                 const at::Tensor& bias, Epilogue epilogue) {
  const at::Tensor rows_in = x.contiguous();  // [M, in]
  const int64_t rows = rows_in.size(0);
  at::Tensor y = at::empty({rows, weight.size(transposed ? 0 : 1)}, rows_in.options());  // [M, out]
  if (rows == 0) return y;
  const at::Tensor bias_row = bias.defined() ? bias.contiguous() : at::Tensor();
  try {
    const std::shared_ptr<Packed> packed = PackedFor(weight, transposed, bias.defined(), epilogue);
    dnnl::matmul& matmul = packed->For(rows);
    dnnl::memory src(RowMajor(rows, packed->in), CpuEngine(), rows_in.data_ptr());
    dnnl::memory dst(RowMajor(rows, packed->out), CpuEngine(), y.data_ptr());
    std::unordered_map<int, dnnl::memory> args = {
        {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, packed->weights}, {DNNL_ARG_DST, dst}};
    if (bias.defined()) {
      args.emplace(DNNL_ARG_BIAS,
                   dnnl::memory(RowMajor(1, packed->out), CpuEngine(), bias_row.data_ptr()));
    }
    dnnl::stream stream(CpuEngine());
    matmul.execute(stream, args);
    stream.wait();
  } catch (const dnnl::error& e) {
    // Callers catch c10::Error (the worker turns it into a status naming the model and step).
    TORCH_CHECK(false, "oneDNN matmul of [", rows, ", ", rows_in.size(1),
                "] with the packed weight: ", e.what());
  }
  return y;
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
