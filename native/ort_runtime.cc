#include "ort_runtime.h"

#include <dlfcn.h>

#include <memory>
#include <mutex>

#include "errors.h"

namespace yolo {
namespace {

std::mutex g_mutex;
std::string g_library_path;
std::string g_version;
std::unique_ptr<Ort::Env> g_env;

}  // namespace

Ort::Env& OrtEnvironment(const std::string& library_path) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_env) {
    if (!library_path.empty() && library_path != g_library_path) {
      throw Error(code::kOrtLibrary, "ONNX Runtime is already loaded from '" + g_library_path +
                                         "'; a process can hold only one ORT library, so '" + library_path +
                                         "' cannot be loaded beside it");
    }
    return *g_env;
  }
  // RTLD_LOCAL keeps its symbols out of the global namespace; the loader still matches by SONAME, so a second
  // ORT in the process (e.g. onnxruntime-node) must be this same file.
  void* handle = dlopen(library_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    throw Error(code::kOrtLibrary, "cannot load the ONNX Runtime library '" + library_path + "': " + (why ? why : "unknown error"));
  }
  using GetApiBaseFn = const OrtApiBase* (*)();
  auto get_api_base = reinterpret_cast<GetApiBaseFn>(dlsym(handle, "OrtGetApiBase"));
  if (!get_api_base) {
    throw Error(code::kOrtLibrary, "'" + library_path + "' is not an ONNX Runtime library (no OrtGetApiBase symbol)");
  }
  const OrtApiBase* base = get_api_base();
  const OrtApi* api = base->GetApi(ORT_API_VERSION);
  if (!api) {
    throw Error(code::kOrtLibrary, "ONNX Runtime '" + library_path + "' (version " + base->GetVersionString() +
                                       ") does not provide API version " + std::to_string(ORT_API_VERSION) + "; ORT >= 1." +
                                       std::to_string(ORT_API_VERSION) + " is required");
  }
  Ort::InitApi(api);
  g_version = base->GetVersionString();
  try {
    g_env = std::make_unique<Ort::Env>(ORT_LOGGING_LEVEL_ERROR, "yolo-native");
  } catch (const Ort::Exception& e) {
    throw Error(code::kOrtLibrary, std::string("cannot create the ONNX Runtime environment: ") + e.what());
  }
  g_library_path = library_path;
  return *g_env;
}

std::string LoadedOrtLibrary() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_library_path;
}

std::string LoadedOrtVersion() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_version;
}

}  // namespace yolo
