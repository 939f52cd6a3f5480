// Ultralytics' colours (ultralytics/utils/plotting.py, 8.3): the 20-colour class palette, the pose palette with the
// COCO keypoint and limb colour indices, and the label text colour chosen for each class colour. Colours are returned
// as the cv::Scalar Ultralytics hands to cv2, i.e. in the channel order the image is drawn in (BGR).
#pragma once
#include <opencv2/core.hpp>

namespace yolo {

// colors(cls, bgr=True): the class colour, BGR.
cv::Scalar ClassColor(int cls);
// colors(i) (bgr=False): the RGB triplet, which cv2 then reads as BGR (keypoints of a non-17-point model).
cv::Scalar ClassColorRgb(int i);
// kpt_color[k] for COCO keypoint k (0-16) and limb_color[l] for skeleton limb l (0-18): pose_palette rows, given to
// cv2 as they are.
cv::Scalar KeypointColor(int k);
cv::Scalar LimbColor(int l);
// Annotator.get_txt_color: the label text colour on a label box of colour `box_bgr` (dark text on light colours).
cv::Scalar LabelTextColor(const cv::Scalar& box_bgr);

// The COCO skeleton: 19 limbs between keypoints (0-based), in Annotator.skeleton order.
constexpr int kSkeletonLimbs = 19;
extern const int kSkeleton[kSkeletonLimbs][2];

}  // namespace yolo
