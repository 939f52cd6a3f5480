#include "input_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "errors.h"

namespace yolo {

int64_t CheckInputFile(const std::string& path, const std::string& what) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) throw Error(code::kFileNotFound, what + " does not exist");
    throw Error(code::kInvalidInput, "cannot read " + what + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) throw Error(code::kInvalidInput, what + " is not a regular file");
  if (st.st_size == 0) throw Error(code::kEmptyInput, what + " is empty (0 bytes); expected an encoded image or video");
  return static_cast<int64_t>(st.st_size);
}

std::vector<uint8_t> ReadInputFile(const std::string& path, const std::string& what) {
  const int64_t size = CheckInputFile(path, what);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(code::kInvalidInput, "cannot open " + what);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()))) {
    throw Error(code::kInvalidInput, "cannot read " + what);
  }
  return bytes;
}

}  // namespace yolo
