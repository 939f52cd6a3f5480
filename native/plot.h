// Pictures of results: what Ultralytics' Results.plot() draws with its cv2 Annotator (pil=False), on the original
// image, in the same order: masks blended at alpha 0.5, boxes (lowest confidence first, so the best is on top) with
// "name 0.89" labels in the class colour, the classifier's top-5 text, keypoints and the COCO skeleton. What is
// simplified (README, "Pictures"): masks are the result polygons filled at full resolution (Ultralytics blends its
// raw masks at the network's input size and resizes the whole picture back), and the classifier's text is drawn
// with OpenCV's Hershey font sized like Ultralytics' Arial (it uses PIL there).
#pragma once
#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "types.h"

namespace yolo {

// Ultralytics' default line width for an image: max(round((h + w + 3) / 2 * 0.003), 2).
int DefaultLineWidth(int height, int width);

// Draws `result` on `bgr` (8-bit BGR, the image the result belongs to) in place.
void DrawResult(cv::Mat& bgr, const ImageResult& result, const ModelInfo& info, const PlotOptions& options);

// Encodes a BGR image as JPEG (options.quality) or PNG. Throws E_INTERNAL if OpenCV cannot.
std::vector<uint8_t> EncodePicture(const cv::Mat& bgr, const PlotOptions& options);

}  // namespace yolo
