#include "plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "errors.h"
#include "palette.h"

namespace yolo {
namespace {

std::string NameOf(const ModelInfo& info, int cls) {
  return cls >= 0 && cls < static_cast<int>(info.names.size()) ? info.names[cls] : std::to_string(cls);
}

// Python's f"{v:.2f}" (correctly rounded, as printf).
std::string Fixed2(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", v);
  return text;
}

// Python int(float): truncation toward zero, clamped to +-2^20 (a box may lie far outside the image; a result handed to
// model.plot may hold any number: OpenCV's drawing works in 32-bit fixed point with shifts).
int Trunc(double v) {
  if (!(v == v)) return 0;
  return static_cast<int>(std::max(-1048576.0, std::min(1048576.0, std::trunc(v))));
}

struct Style {
  int lw;     // line width
  double sf;  // font scale: lw / 3
  int tf;     // font thickness: max(lw - 1, 1)
};

// Annotator.box_label (cv2): the box (a rectangle, or the OBB polygon), then the filled label box and its text.
void BoxLabel(cv::Mat& im, const std::vector<cv::Point>& corners, bool rectangle, const std::string& label, const cv::Scalar& color,
              const Style& s) {
  if (rectangle)
    cv::rectangle(im, corners[0], corners[1], color, s.lw, cv::LINE_AA);
  else
    cv::polylines(im, corners, true, color, s.lw);  // cv2.polylines' default line type, as Ultralytics
  if (label.empty()) return;
  cv::Point p1 = corners[0];
  int baseline = 0;
  const cv::Size text = cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, s.sf, s.tf, &baseline);
  const int w = text.width, h = text.height + 3;  // 3 pixels of padding
  const bool outside = p1.y >= h;                 // the label fits above the box
  if (p1.x > im.cols - w) p1.x = im.cols - w;     // keep it inside the right edge
  const cv::Point p2(p1.x + w, outside ? p1.y - h : p1.y + h);
  cv::rectangle(im, p1, p2, color, cv::FILLED, cv::LINE_AA);
  cv::putText(im, label, cv::Point(p1.x, outside ? p1.y - 2 : p1.y + h - 1), cv::FONT_HERSHEY_SIMPLEX, s.sf, LabelTextColor(color), s.tf,
              cv::LINE_AA);
}

// Annotator.masks: im * prod(1 - 0.5 m_i) + max_i(0.5 m_i color_i), the masks being the result polygons.
void BlendMasks(cv::Mat& im, const ImageResult& r) {
  const cv::Rect bounds(0, 0, im.cols, im.rows);
  cv::Mat count, top, mask;  // masks covering each pixel; max over them of 0.5 * colour
  for (const ResultItem& item : r.results) {
    if (item.seg_x.size() < 3 || item.seg_x.size() != item.seg_y.size()) continue;
    std::vector<cv::Point> poly(item.seg_x.size());
    for (size_t k = 0; k < poly.size(); ++k)
      poly[k] = cv::Point(Trunc(std::nearbyint(item.seg_x[k])), Trunc(std::nearbyint(item.seg_y[k])));
    const cv::Rect box = cv::boundingRect(poly) & bounds;
    if (box.empty()) continue;
    if (count.empty()) {
      count = cv::Mat::zeros(im.size(), CV_8U);
      top = cv::Mat::zeros(im.size(), CV_32FC3);
    }
    mask = cv::Mat::zeros(box.size(), CV_8U);
    cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{poly}, cv::Scalar(1), cv::LINE_8, 0, -box.tl());
    const cv::Scalar c = ClassColor(item.cls);
    const float half[3] = {static_cast<float>(c[0] / 255.0 * 0.5), static_cast<float>(c[1] / 255.0 * 0.5),
                           static_cast<float>(c[2] / 255.0 * 0.5)};
    for (int y = 0; y < box.height; ++y) {
      const uint8_t* m = mask.ptr<uint8_t>(y);
      uint8_t* n = count.ptr<uint8_t>(y + box.y) + box.x;
      cv::Vec3f* t = top.ptr<cv::Vec3f>(y + box.y) + box.x;
      for (int x = 0; x < box.width; ++x) {
        if (!m[x]) continue;
        if (n[x] < 255) ++n[x];
        for (int ch = 0; ch < 3; ++ch) t[x][ch] = std::max(t[x][ch], half[ch]);
      }
    }
  }
  if (count.empty()) return;
  for (int y = 0; y < im.rows; ++y) {
    const uint8_t* n = count.ptr<uint8_t>(y);
    const cv::Vec3f* t = top.ptr<cv::Vec3f>(y);
    uint8_t* p = im.ptr<uint8_t>(y);
    for (int x = 0; x < im.cols; ++x) {
      if (!n[x]) continue;
      const float keep = std::pow(0.5f, static_cast<float>(n[x]));
      for (int ch = 0; ch < 3; ++ch) {
        const float v = (p[3 * x + ch] / 255.f * keep + t[x][ch]) * 255.f;
        p[3 * x + ch] = static_cast<uint8_t>(std::min(255.f, std::max(0.f, v)));  // .byte(): truncation
      }
    }
  }
}

// Annotator.kpts(kpts, shape, radius=5, kpt_line=True, conf_thres=0.25).
void DrawKeypoints(cv::Mat& im, const ResultItem& item, const Style& s) {
  const size_t n = item.kpt_x.size();
  const bool has_conf = item.kpt_v.size() == n;
  const bool is_pose = n == 17;
  constexpr float kConfThres = 0.25f;
  constexpr int kRadius = 5;  // Results.plot's kpt_radius
  for (size_t i = 0; i < n; ++i) {
    const double x = item.kpt_x[i], y = item.kpt_y[i];
    if (std::fmod(x, im.cols) == 0 || std::fmod(y, im.rows) == 0) continue;  // (0, 0): a keypoint that was not found
    if (has_conf && item.kpt_v[i] < kConfThres) continue;
    const cv::Scalar color = is_pose ? KeypointColor(static_cast<int>(i)) : ClassColorRgb(static_cast<int>(i));
    cv::circle(im, cv::Point(Trunc(x), Trunc(y)), kRadius, color, cv::FILLED, cv::LINE_AA);
  }
  if (!is_pose) return;
  const int thickness = static_cast<int>(std::ceil(s.lw / 2.0));
  for (int l = 0; l < kSkeletonLimbs; ++l) {
    const int a = kSkeleton[l][0], b = kSkeleton[l][1];
    if (has_conf && (item.kpt_v[a] < kConfThres || item.kpt_v[b] < kConfThres)) continue;
    const cv::Point p(Trunc(item.kpt_x[a]), Trunc(item.kpt_y[a])), q(Trunc(item.kpt_x[b]), Trunc(item.kpt_y[b]));
    auto off = [&](const cv::Point& pt) { return pt.x % im.cols == 0 || pt.y % im.rows == 0 || pt.x < 0 || pt.y < 0; };
    if (off(p) || off(q)) continue;
    cv::line(im, p, q, LimbColor(l), thickness, cv::LINE_AA);
  }
}

// Results.plot's classify text: "name 0.87" for each of the top 5, one per line, from (x, x) with x = round(0.03 h),
// white on a half-transparent (64, 64, 64) box per line. Ultralytics draws it with PIL and Arial at
// max(round((w + h) / 2 * 0.035), 12) px; here OpenCV's Hershey font is scaled to that height.
void DrawTop5(cv::Mat& im, const ImageResult& r, const ModelInfo& info) {
  std::vector<std::pair<int, float>> top = r.top;
  if (top.empty() && !r.results.empty()) top.emplace_back(r.results[0].cls, r.results[0].conf);
  if (top.size() > 5) top.resize(5);
  const int size = std::max(static_cast<int>(std::nearbyint((im.cols + im.rows) / 2.0 * 0.035)), 12);
  const double scale = size / 30.0;  // Hershey simplex: about 0.73 * 30 px of cap height at scale 1, Arial's at 30 px
  const int thickness = std::max(1, static_cast<int>(std::lround(size / 16.0)));
  const int x = static_cast<int>(std::nearbyint(im.rows * 0.03));
  int y = x;
  for (const auto& [cls, p] : top) {
    const std::string line = NameOf(info, cls) + " " + Fixed2(p);
    int baseline = 0;
    const cv::Size t = cv::getTextSize(line, cv::FONT_HERSHEY_SIMPLEX, scale, thickness, &baseline);
    const int h = t.height + baseline;
    const cv::Rect box = cv::Rect(x, y, t.width + 1, h + 1) & cv::Rect(0, 0, im.cols, im.rows);
    if (!box.empty()) {
      cv::Mat roi = im(box);
      cv::addWeighted(roi, 1 - 128 / 255.0, cv::Mat(roi.size(), roi.type(), cv::Scalar(64, 64, 64)), 128 / 255.0, 0, roi);
    }
    cv::putText(im, line, cv::Point(x, y + t.height), cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(255, 255, 255), thickness, cv::LINE_AA);
    y += h;
  }
}

}  // namespace

int DefaultLineWidth(int height, int width) { return std::max(static_cast<int>(std::nearbyint((height + width + 3) / 2.0 * 0.003)), 2); }

void DrawResult(cv::Mat& im, const ImageResult& r, const ModelInfo& info, const PlotOptions& options) {
  if (im.empty() || im.type() != CV_8UC3) throw Error(code::kInternal, "plot: the image is not 8-bit BGR");
  Style s;
  s.lw = options.line_width > 0 ? options.line_width : DefaultLineWidth(im.rows, im.cols);
  s.sf = s.lw / 3.0;
  s.tf = std::max(s.lw - 1, 1);
  if (info.task == Task::kSegment) BlendMasks(im, r);
  if (info.task == Task::kClassify) {
    DrawTop5(im, r, info);
    return;
  }
  for (size_t i = r.results.size(); i-- > 0;) {  // reversed: the most confident box is drawn last, on top
    const ResultItem& item = r.results[i];
    const std::string label =
        options.labels ? (options.conf ? NameOf(info, item.cls) + " " + Fixed2(item.conf) : NameOf(info, item.cls)) : "";
    const cv::Scalar color = ClassColor(item.cls);
    if (item.box.size() == 8) {
      std::vector<cv::Point> corners(4);
      for (int k = 0; k < 4; ++k) corners[k] = cv::Point(Trunc(item.box[2 * k]), Trunc(item.box[2 * k + 1]));
      BoxLabel(im, corners, false, label, color, s);
    } else if (item.box.size() == 4) {
      BoxLabel(im, {cv::Point(Trunc(item.box[0]), Trunc(item.box[1])), cv::Point(Trunc(item.box[2]), Trunc(item.box[3]))}, true, label,
               color, s);
    }
  }
  if (info.task == Task::kPose) {
    for (size_t i = r.results.size(); i-- > 0;) DrawKeypoints(im, r.results[i], s);
  }
}

std::vector<uint8_t> EncodePicture(const cv::Mat& bgr, const PlotOptions& options) {
  std::vector<uint8_t> out;
  bool ok = false;
  try {
    ok = options.png ? cv::imencode(".png", bgr, out) : cv::imencode(".jpg", bgr, out, {cv::IMWRITE_JPEG_QUALITY, options.quality});
  } catch (const cv::Exception&) {
    ok = false;
  }
  if (!ok) throw Error(code::kInternal, std::string("could not encode the picture as ") + (options.png ? "PNG" : "JPEG"));
  return out;
}

}  // namespace yolo
