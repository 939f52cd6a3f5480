// One error type crosses the native boundary: a stable code plus a human message. The JS facade turns it into YoloError.
#pragma once
#include <stdexcept>
#include <string>

namespace yolo {

// Stable codes (also documented in lib/errors.ts and README). Never rename one: users switch on them.
namespace code {
constexpr const char* kInvalidArgument = "E_INVALID_ARGUMENT";
constexpr const char* kInvalidInput = "E_INVALID_INPUT";
constexpr const char* kFileNotFound = "E_FILE_NOT_FOUND";
constexpr const char* kEmptyInput = "E_EMPTY_INPUT";
constexpr const char* kDecodeFailed = "E_DECODE_FAILED";
constexpr const char* kImageTooLarge = "E_IMAGE_TOO_LARGE";
constexpr const char* kModelInvalid = "E_MODEL_INVALID";
constexpr const char* kModelUnsupported = "E_MODEL_UNSUPPORTED";
constexpr const char* kOrtLibrary = "E_ORT_LIBRARY";
constexpr const char* kProvider = "E_PROVIDER";
constexpr const char* kInference = "E_INFERENCE";
constexpr const char* kDisposed = "E_DISPOSED";
constexpr const char* kVideoDecode = "E_VIDEO_DECODE";
constexpr const char* kVideoTooLong = "E_VIDEO_TOO_LONG";
constexpr const char* kAborted = "E_ABORTED";
constexpr const char* kStreamFailed = "E_STREAM_FAILED";
constexpr const char* kInternal = "E_INTERNAL";
}  // namespace code

class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

}  // namespace yolo
