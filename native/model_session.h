// One ONNX Runtime session per model, created once and shared by every predict call on that model.
#pragma once
#include <onnxruntime_cxx_api.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "types.h"

namespace yolo {

struct SessionConfig {
  std::string ort_library;
  int intra_op_threads = 0;  // 0 = ORT default (the TypeScript side passes physicalCores() instead)
  int parallel_runs = 1;     // how many Run() may execute at once on this session
  bool allow_spinning = true;
  int graph_optimization = 99;                                      // ORT GraphOptimizationLevel
  std::string optimized_model_path;                                 // non-empty: ORT writes the optimized graph there (load-time cache)
  std::vector<std::string> providers;                               // "cpu", "cuda", "tensorrt"
  std::vector<std::pair<std::string, std::string>> config_entries;  // extra ORT session config entries (ortConfig)
  int device_id = 0;
};

// A pool of reusable float buffers so each call does not allocate its input tensor anew.
class BufferPool {
 public:
  std::vector<float> Acquire(size_t size);
  void Release(std::vector<float>&& buffer);

 private:
  std::mutex mutex_;
  std::vector<std::vector<float>> free_;
};

class ModelSession {
 public:
  ModelSession(const std::string& path, const SessionConfig& config);
  const ModelInfo& info() const { return info_; }
  const SessionConfig& config() const { return config_; }
  const std::string& path() const { return path_; }

  // Runs the network on one NCHW float tensor; thread-safe. Blocks while `parallel_runs` runs are in flight.
  std::vector<Ort::Value> Run(float* input, const std::vector<int64_t>& shape);

  // ONNX Runtime session config entries in force (ours and the caller's ortConfig), as given to ORT.
  const std::vector<std::pair<std::string, std::string>>& config_entries() const { return config_entries_; }
  // Session.Run calls so far, and the images they carried (a batch of n counts n).
  int64_t inference_runs() const { return inference_runs_.load(); }
  int64_t images_inferred() const { return images_inferred_.load(); }

  BufferPool& buffers() { return buffers_; }

 private:
  void ReadModelInfo();

  std::string path_;
  SessionConfig config_;
  std::unique_ptr<Ort::Session> session_;
  ModelInfo info_;
  std::vector<const char*> output_name_ptrs_;
  std::vector<std::pair<std::string, std::string>> config_entries_;
  std::atomic<int64_t> inference_runs_{0}, images_inferred_{0};
  // optional: even a null Ort:: wrapper calls into the ORT API when destroyed, and that API is absent when
  // the library failed to load.
  std::optional<Ort::MemoryInfo> cpu_memory_;
  BufferPool buffers_;
  std::mutex run_mutex_;
  std::condition_variable run_cv_;
  int runs_in_flight_ = 0;
};

}  // namespace yolo
