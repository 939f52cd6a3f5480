// Loads ONNX Runtime at run time (dlopen) so one .node works with any ORT >= API 29: the CPU library that
// onnxruntime-node ships, or a user-named GPU / JetPack build. Only one ORT can live in a process.
#pragma once
#include <onnxruntime_cxx_api.h>

#include <string>

namespace yolo {

// Loads `library_path` once and returns the process-wide Ort::Env. Throws yolo::Error(E_ORT_LIBRARY) when the
// library cannot be loaded, lacks the API version the addon was built for, or differs from the one already loaded.
Ort::Env& OrtEnvironment(const std::string& library_path);

// The path and version string of the loaded library ("" before the first load).
std::string LoadedOrtLibrary();
std::string LoadedOrtVersion();

}  // namespace yolo
