// Input files, checked and read in one place (images and videos alike), on worker threads.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace yolo {

// Throws E_FILE_NOT_FOUND (no such path), E_INVALID_INPUT (not a regular file, unreadable) or E_EMPTY_INPUT (0 bytes).
// Returns the file's size.
int64_t CheckInputFile(const std::string& path, const std::string& what);

// CheckInputFile, then the whole file.
std::vector<uint8_t> ReadInputFile(const std::string& path, const std::string& what);

}  // namespace yolo
