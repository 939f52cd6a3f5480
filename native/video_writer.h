// The annotated video of a stream (the CLI's --save for video input): every processed frame with its results drawn,
// written through OpenCV videoio (FFmpeg) at the source's frame rate (30 when it does not say),
// MPEG-4 Part 2 ('mp4v') in .mp4 / .mov / .mkv, Motion JPEG in .avi, as Ultralytics' own --save does.
#pragma once
#include <memory>
#include <string>

#include "pipeline.h"

namespace yolo {

// Opens nothing yet: the file is created on the first frame, when its size is known. Throws E_INVALID_ARGUMENT for an
// extension it cannot write (the file itself is checked when it is created).
std::unique_ptr<FrameSink> OpenVideoFileSink(const std::string& path);

}  // namespace yolo
