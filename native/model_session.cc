#include "model_session.h"

#include <algorithm>
#include <cctype>
#include <fstream>

#include "errors.h"
#include "metadata.h"
#include "ort_runtime.h"
#include "output_layout.h"

namespace yolo {

std::vector<float> BufferPool::Acquire(size_t size) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < free_.size(); ++i) {
    if (free_[i].capacity() >= size) {
      std::vector<float> buffer = std::move(free_[i]);
      free_.erase(free_.begin() + static_cast<long>(i));
      buffer.resize(size);
      return buffer;
    }
  }
  return std::vector<float>(size);
}

void BufferPool::Release(std::vector<float>&& buffer) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (free_.size() < 8) free_.push_back(std::move(buffer));  // bound the pool: a burst must not pin memory forever
}

namespace {

std::string AvailableProviders() {
  std::string joined;
  for (const auto& p : Ort::GetAvailableProviders()) joined += (joined.empty() ? "" : ", ") + p;
  return joined;
}

// GPU providers are appended without first asking GetAvailableProviders(): that list holds only the providers
// compiled into the core library, while ORT's provider bridge also loads libonnxruntime_providers_{cuda,tensorrt}.so
// from beside the core library at this point (how split CPU-core + GPU-provider packages work).
void AppendProviders(Ort::SessionOptions& options, const SessionConfig& config) {
  for (const auto& provider : config.providers) {
    if (provider == "cpu") continue;  // always last, implicitly
    if (provider != "cuda" && provider != "tensorrt")
      throw Error(code::kProvider, "unknown execution provider '" + provider + "'; use cpu, cuda or tensorrt");
    const OrtApi& api = Ort::GetApi();
    const std::string device = std::to_string(config.device_id);
    const char* keys[] = {"device_id"};
    const char* values[] = {device.c_str()};
    try {
      if (provider == "cuda") {
        OrtCUDAProviderOptionsV2* cuda = nullptr;
        Ort::ThrowOnError(api.CreateCUDAProviderOptions(&cuda));
        std::unique_ptr<OrtCUDAProviderOptionsV2, decltype(api.ReleaseCUDAProviderOptions)> guard(cuda, api.ReleaseCUDAProviderOptions);
        Ort::ThrowOnError(api.UpdateCUDAProviderOptions(cuda, keys, values, 1));
        options.AppendExecutionProvider_CUDA_V2(*cuda);
      } else {
        OrtTensorRTProviderOptionsV2* trt = nullptr;
        Ort::ThrowOnError(api.CreateTensorRTProviderOptions(&trt));
        std::unique_ptr<OrtTensorRTProviderOptionsV2, decltype(api.ReleaseTensorRTProviderOptions)> guard(
            trt, api.ReleaseTensorRTProviderOptions);
        Ort::ThrowOnError(api.UpdateTensorRTProviderOptions(trt, keys, values, 1));
        options.AppendExecutionProvider_TensorRT_V2(*trt);
      }
    } catch (const Ort::Exception& e) {
      throw Error(code::kProvider, "execution provider '" + provider + "' cannot be enabled with the ONNX Runtime library '" +
                                       LoadedOrtLibrary() + "' (compiled-in providers: " + AvailableProviders() + "): " + e.what() +
                                       ". Name a GPU build of ORT with the ortLibrary option or YOLO_NATIVE_ORT_LIBRARY; its "
                                       "libonnxruntime_providers_" +
                                       provider + ".so and the CUDA libraries must be loadable");
    }
  }
}

}  // namespace

ModelSession::ModelSession(const std::string& path, const SessionConfig& config) : path_(path), config_(config) {
  Ort::Env& env = OrtEnvironment(config.ort_library);  // loads the ORT API: no Ort:: call may come before it
  cpu_memory_.emplace(Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault));
  {
    std::ifstream probe(path, std::ios::binary);
    if (!probe) throw Error(code::kFileNotFound, "model file '" + path + "' does not exist or cannot be read");
    char first = 0;
    if (!probe.read(&first, 1)) throw Error(code::kModelInvalid, "model file '" + path + "' is empty; expected an ONNX model");
  }
  std::string gpu_providers;
  for (const auto& p : config.providers)
    if (p != "cpu") gpu_providers += (gpu_providers.empty() ? "" : ", ") + p;
  try {
    Ort::SessionOptions options;
    options.SetIntraOpNumThreads(config.intra_op_threads);
    options.SetInterOpNumThreads(1);
    options.SetExecutionMode(ORT_SEQUENTIAL);
    options.SetGraphOptimizationLevel(static_cast<GraphOptimizationLevel>(config.graph_optimization));
    config_entries_.emplace_back("session.intra_op.allow_spinning", config.allow_spinning ? "1" : "0");
    bool stop_set = false;
    for (const auto& [key, value] : config.config_entries) {
      config_entries_.emplace_back(key, value);
      stop_set = stop_set || key == "session.force_spinning_stop";
    }
    // Spin while a Run is busy (lowest latency), but stop the moment it returns: pool threads left spinning
    // steal the cores from the next decode, from the JS thread and from other models' sessions (measured here:
    // +50% inference time when two models alternate on 2 cores; nothing lost when one model runs alone).
    if (!stop_set) config_entries_.emplace_back("session.force_spinning_stop", "1");
    for (const auto& [key, value] : config_entries_) options.AddConfigEntry(key.c_str(), value.c_str());
    if (!config.optimized_model_path.empty()) options.SetOptimizedModelFilePath(config.optimized_model_path.c_str());
    AppendProviders(options, config);
    try {
      session_ = std::make_unique<Ort::Session>(env, path.c_str(), options);
    } catch (const Ort::Exception& e) {
      // Providers are resolved when the session is created: ORT reports a provider that fails there as ORT_EP_FAIL.
      if (!gpu_providers.empty() && e.GetOrtErrorCode() == ORT_EP_FAIL) {
        throw Error(
            code::kProvider,
            "cannot enable execution provider " + gpu_providers +
                " (is this a GPU build of ONNX Runtime with its provider libraries beside it? name one with ortLibrary): " + e.what());
      }
      throw;
    }
  } catch (const Ort::Exception& e) {
    throw Error(code::kModelInvalid, "'" + path + "' is not a loadable ONNX model: " + e.what());
  }
  ReadModelInfo();
}

void ModelSession::ReadModelInfo() {
  Ort::AllocatorWithDefaultOptions allocator;
  const std::string where = "'" + path_ + "' is not a YOLO export: ";
  if (session_->GetInputCount() != 1)
    throw Error(code::kModelUnsupported, where + "it has " + std::to_string(session_->GetInputCount()) + " inputs, expected 1 image input");
  info_.input_name = session_->GetInputNameAllocated(0, allocator).get();
  auto input_type = session_->GetInputTypeInfo(0);
  if (input_type.GetONNXType() != ONNX_TYPE_TENSOR) throw Error(code::kModelUnsupported, where + "its input is not a tensor");
  auto input_info = input_type.GetTensorTypeAndShapeInfo();
  auto in_shape = input_info.GetShape();
  if (in_shape.size() != 4 || (in_shape[1] != 3 && in_shape[1] != -1) ||
      input_info.GetElementType() != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) {
    throw Error(code::kModelUnsupported, where + "its input is not a float32 [batch, 3, height, width] image tensor");
  }
  info_.dynamic_batch = in_shape[0] < 0;
  info_.fixed_batch = in_shape[0] < 0 ? 0 : in_shape[0];
  info_.dynamic_hw = in_shape[2] < 0 || in_shape[3] < 0;
  info_.input_h = in_shape[2];
  info_.input_w = in_shape[3];

  const size_t n_out = session_->GetOutputCount();
  std::vector<std::vector<int64_t>> out_shapes;
  for (size_t i = 0; i < n_out; ++i) {
    info_.output_names.push_back(session_->GetOutputNameAllocated(i, allocator).get());
    auto type = session_->GetOutputTypeInfo(i);
    // The decoders read every output as float32: anything else is not an Ultralytics export.
    if (type.GetONNXType() != ONNX_TYPE_TENSOR ||
        type.GetTensorTypeAndShapeInfo().GetElementType() != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) {
      throw Error(code::kModelUnsupported, where + "output '" + info_.output_names.back() + "' is not a float32 tensor");
    }
    out_shapes.push_back(type.GetTensorTypeAndShapeInfo().GetShape());
  }
  for (const auto& name : info_.output_names) output_name_ptrs_.push_back(name.c_str());

  Ort::ModelMetadata meta = session_->GetModelMetadata();
  for (const auto& key : meta.GetCustomMetadataMapKeysAllocated(allocator)) {
    auto value = meta.LookupCustomMetadataMapAllocated(key.get(), allocator);
    info_.metadata[key.get()] = value ? value.get() : "";
  }
  ApplyUltralyticsMetadata(info_, out_shapes, where);
}

std::vector<Ort::Value> ModelSession::Run(float* input, const std::vector<int64_t>& shape) {
  {
    std::unique_lock<std::mutex> lock(run_mutex_);
    run_cv_.wait(lock, [&] { return runs_in_flight_ < std::max(1, config_.parallel_runs); });
    ++runs_in_flight_;
  }
  struct Leave {
    ModelSession* self;
    ~Leave() {
      {
        std::lock_guard<std::mutex> lock(self->run_mutex_);
        --self->runs_in_flight_;
      }
      self->run_cv_.notify_one();
    }
  } leave{this};
  size_t count = 1;
  for (auto d : shape) count *= static_cast<size_t>(d);
  inference_runs_.fetch_add(1);
  images_inferred_.fetch_add(shape.empty() ? 0 : shape[0]);
  Ort::Value tensor = Ort::Value::CreateTensor<float>(*cpu_memory_, input, count, shape.data(), shape.size());
  const char* input_name = info_.input_name.c_str();
  try {
    return session_->Run(Ort::RunOptions{nullptr}, &input_name, &tensor, 1, output_name_ptrs_.data(), output_name_ptrs_.size());
  } catch (const Ort::Exception& e) {
    ExplainTopKFailure(shape, e.what());  // end-to-end graph, input with too few anchors (output_layout.h)
    throw Error(code::kInference, std::string("ONNX Runtime failed to run '") + path_ + "': " + e.what());
  }
}

}  // namespace yolo
