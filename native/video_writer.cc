#include "video_writer.h"

#include <algorithm>
#include <cctype>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "errors.h"

namespace yolo {
namespace {

std::string Extension(const std::string& path) {
  const size_t dot = path.find_last_of('.');
  const size_t slash = path.find_last_of('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

class VideoFileSink : public FrameSink {
 public:
  VideoFileSink(std::string path, int fourcc) : path_(std::move(path)), fourcc_(fourcc) {}
  ~VideoFileSink() override { writer_.release(); }
  void Write(const cv::Mat& frame, double fps) override {
    if (!writer_.isOpened()) {
      size_ = frame.size();
      bool ok = false;
      try {
        ok = writer_.open(path_, cv::CAP_FFMPEG, fourcc_, fps > 0 && fps < 1000 ? fps : 30.0, size_, true);
      } catch (const cv::Exception&) {
        ok = false;
      }
      if (!ok || !writer_.isOpened()) throw Error(code::kInvalidArgument, "saveVideo: cannot write a video to '" + path_ + "'");
    }
    if (frame.size() == size_) {
      writer_.write(frame);
    } else {
      cv::Mat resized;  // a source whose frame size changed midway (a reconnected stream): the file keeps its size
      cv::resize(frame, resized, size_);
      writer_.write(resized);
    }
  }

 private:
  std::string path_;
  int fourcc_;
  cv::Size size_;
  cv::VideoWriter writer_;
};

}  // namespace

std::unique_ptr<FrameSink> OpenVideoFileSink(const std::string& path) {
  const std::string ext = Extension(path);
  int fourcc = 0;
  if (ext == "mp4" || ext == "mov" || ext == "mkv" || ext == "m4v")
    fourcc = cv::VideoWriter::fourcc('m', 'p', '4', 'v');
  else if (ext == "avi")
    fourcc = cv::VideoWriter::fourcc('M', 'J', 'P', 'G');
  else
    throw Error(code::kInvalidArgument, "saveVideo must name a .mp4, .mov, .mkv, .m4v or .avi file; received '" + path + "'");
  return std::make_unique<VideoFileSink>(path, fourcc);
}

}  // namespace yolo
