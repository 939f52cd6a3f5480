#include "palette.h"

#include <cstdint>

namespace yolo {
namespace {

// Colors.hexs
constexpr uint32_t kHex[20] = {0x042AFF, 0x0BDBEB, 0xF3F3F3, 0x00DFB7, 0x111F68, 0xFF6FDD, 0xFF444F, 0xCCED00, 0x00F344, 0xBD00FF,
                               0x00B4FF, 0xDD00BA, 0x00FFFF, 0x26C000, 0x01FFB3, 0x7D24FF, 0x7B0068, 0xFF1B6C, 0xFC6D2F, 0xA2FF0B};

// Colors.pose_palette
constexpr uint8_t kPose[20][3] = {{255, 128, 0},   {255, 153, 51},  {255, 178, 102}, {230, 230, 0},   {255, 153, 255},
                                  {153, 204, 255}, {255, 102, 255}, {255, 51, 255},  {102, 178, 255}, {51, 153, 255},
                                  {255, 153, 153}, {255, 102, 102}, {255, 51, 51},   {153, 255, 153}, {102, 255, 102},
                                  {51, 255, 51},   {0, 255, 0},     {0, 0, 255},     {255, 0, 0},     {255, 255, 255}};
constexpr int kKptIndex[17] = {16, 16, 16, 16, 16, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 9, 9};
constexpr int kLimbIndex[kSkeletonLimbs] = {9, 9, 9, 9, 7, 7, 7, 0, 0, 0, 0, 0, 16, 16, 16, 16, 16, 16, 16};

// Annotator.dark_colors / light_colors, as BGR tuples.
constexpr uint8_t kDark[][3] = {{235, 219, 11}, {243, 243, 243}, {183, 223, 0}, {221, 111, 255}, {0, 237, 204},
                                {68, 243, 0},   {255, 255, 0},   {179, 255, 1}, {11, 255, 162}};

int Mod(int i, int n) { return ((i % n) + n) % n; }

cv::Scalar Pose(int row) { return cv::Scalar(kPose[row][0], kPose[row][1], kPose[row][2]); }

}  // namespace

// Annotator.skeleton, 1-based there.
const int kSkeleton[kSkeletonLimbs][2] = {{15, 13}, {13, 11}, {16, 14}, {14, 12}, {11, 12}, {5, 11}, {6, 12}, {5, 6}, {5, 7}, {6, 8},
                                          {7, 9},   {8, 10},  {1, 2},   {0, 1},   {0, 2},   {1, 3},  {2, 4},  {3, 5}, {4, 6}};

cv::Scalar ClassColor(int cls) {
  const uint32_t c = kHex[Mod(cls, 20)];
  return cv::Scalar(c & 0xFF, (c >> 8) & 0xFF, (c >> 16) & 0xFF);
}

cv::Scalar ClassColorRgb(int i) {
  const uint32_t c = kHex[Mod(i, 20)];
  return cv::Scalar((c >> 16) & 0xFF, (c >> 8) & 0xFF, c & 0xFF);
}

cv::Scalar KeypointColor(int k) { return Pose(kKptIndex[Mod(k, 17)]); }
cv::Scalar LimbColor(int l) { return Pose(kLimbIndex[Mod(l, kSkeletonLimbs)]); }

cv::Scalar LabelTextColor(const cv::Scalar& box) {
  for (const auto& d : kDark) {
    if (box[0] == d[0] && box[1] == d[1] && box[2] == d[2]) return cv::Scalar(104, 31, 17);
  }
  return cv::Scalar(255, 255, 255);  // light colours and every other colour: white
}

}  // namespace yolo
