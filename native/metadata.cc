#include "metadata.h"

#include <cctype>
#include <cstdlib>
#include <map>

#include "errors.h"
#include "output_layout.h"

namespace yolo {

const char* TaskName(Task task) {
  switch (task) {
    case Task::kDetect: return "detect";
    case Task::kSegment: return "segment";
    case Task::kPose: return "pose";
    case Task::kObb: return "obb";
    case Task::kClassify: return "classify";
  }
  return "detect";
}

const char* HeadName(Head head) {
  switch (head) {
    case Head::kClassic: return "classic";
    case Head::kEnd2End: return "end2end";
    case Head::kNms: return "nms";
    case Head::kAuto: return "auto";
  }
  return "classic";
}

namespace {

void AppendUtf8(std::string& out, unsigned long cp) {
  if (cp < 0x80)
    out += static_cast<char>(cp);
  else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Integers in a Python list repr such as "[17, 3]" or "[640, 640]".
std::vector<int> ParseIntList(const std::string& text) {
  std::vector<int> values;
  const char* p = text.c_str();
  while (*p) {
    if (std::isdigit(static_cast<unsigned char>(*p)) || (*p == '-' && std::isdigit(static_cast<unsigned char>(p[1])))) {
      char* end = nullptr;
      values.push_back(static_cast<int>(std::strtol(p, &end, 10)));
      p = end;
    } else {
      ++p;
    }
  }
  return values;
}

// The value of a key in a Python dict repr such as "{'batch': 1, 'nms': True}", as written; empty when absent.
std::string PythonDictValue(const std::string& text, const std::string& key) {
  const std::string quoted = "'" + key + "':";
  const size_t at = text.find(quoted);
  if (at == std::string::npos) return "";
  size_t begin = at + quoted.size();
  while (begin < text.size() && text[begin] == ' ') ++begin;
  size_t end = begin;
  while (end < text.size() && text[end] != ',' && text[end] != '}') ++end;
  return text.substr(begin, end - begin);
}

// Ultralytics 8.4 (BaseBackend.apply_metadata): end2end = metadata["end2end"] or metadata["args"]["nms"]. When the
// metadata names a row layout, it decides (a dynamic export declares output0 as [batch, ?, anchors] whatever it
// holds) unless the declared shape is plainly classic; otherwise (older exports, end2end False) the shape does.
Head DecideHead(const ModelInfo& info, const std::vector<std::vector<int64_t>>& shapes, const std::string& where) {
  const Head from_shape = HeadFromShape(info, shapes, where);
  auto get = [&](const char* key) -> std::string {
    auto it = info.metadata.find(key);
    return it == info.metadata.end() ? "" : it->second;
  };
  Head from_metadata;
  if (get("end2end") == "True")
    from_metadata = Head::kEnd2End;
  else if (PythonDictValue(get("args"), "nms") == "True")
    from_metadata = Head::kNms;
  else
    return from_shape;
  if (from_shape == Head::kClassic) {
    throw Error(code::kModelUnsupported, where + "its metadata says " + (from_metadata == Head::kNms ? "nms=True" : "end2end") +
                                             " but output0 " + ShapeText(shapes[0]) +
                                             " has the classic [batch, 4 + nc + extra, anchors] layout");
  }
  return from_metadata;
}

}  // namespace

std::vector<std::string> ParsePythonNames(const std::string& text) {
  std::map<long, std::string> entries;
  size_t i = 0;
  auto fail = [&](const char* what) {
    throw Error(code::kModelUnsupported, std::string("cannot parse the model's class names (") + what + ")");
  };
  auto skip_ws = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  skip_ws();
  if (i >= text.size() || text[i] != '{') fail("expected '{'");
  ++i;
  for (;;) {
    skip_ws();
    if (i < text.size() && text[i] == '}') break;
    char* end = nullptr;
    long key = std::strtol(text.c_str() + i, &end, 10);
    if (end == text.c_str() + i) fail("expected an integer key");
    i = static_cast<size_t>(end - text.c_str());
    skip_ws();
    if (i >= text.size() || text[i] != ':') fail("expected ':'");
    ++i;
    skip_ws();
    if (i >= text.size() || (text[i] != '\'' && text[i] != '"')) fail("expected a quoted name");
    const char quote = text[i++];
    std::string value;
    while (i < text.size() && text[i] != quote) {
      char c = text[i++];
      if (c != '\\' || i >= text.size()) {
        value += c;
        continue;
      }
      char e = text[i++];
      switch (e) {
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        case 'r': value += '\r'; break;
        case 'x':
        case 'u':
        case 'U': {
          const size_t len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (i + len > text.size()) fail("short escape");
          AppendUtf8(value, std::strtoul(text.substr(i, len).c_str(), nullptr, 16));
          i += len;
          break;
        }
        default: value += e;
      }
    }
    if (i >= text.size()) fail("unterminated name");
    ++i;
    entries[key] = value;
    skip_ws();
    if (i < text.size() && text[i] == ',') {
      ++i;
      continue;
    }
    skip_ws();
    if (i < text.size() && text[i] == '}') break;
    fail("expected ',' or '}'");
  }
  std::vector<std::string> names;
  for (const auto& [key, value] : entries) {
    if (key != static_cast<long>(names.size())) fail("class ids are not 0..n-1");
    names.push_back(value);
  }
  return names;
}

void ApplyUltralyticsMetadata(ModelInfo& info, const std::vector<std::vector<int64_t>>& shapes, const std::string& where) {
  const auto& md = info.metadata;
  auto get = [&](const char* key) -> std::string {
    auto it = md.find(key);
    return it == md.end() ? "" : it->second;
  };

  if (auto names = get("names"); !names.empty()) info.names = ParsePythonNames(names);
  if (auto stride = get("stride"); !stride.empty()) info.stride = std::max(1, std::atoi(stride.c_str()));
  if (auto imgsz = ParseIntList(get("imgsz")); imgsz.size() == 2) {
    info.imgsz_h = imgsz[0];
    info.imgsz_w = imgsz[1];
  } else if (!info.dynamic_hw) {
    info.imgsz_h = static_cast<int>(info.input_h);
    info.imgsz_w = static_cast<int>(info.input_w);
  }
  if (auto kpt = ParseIntList(get("kpt_shape")); kpt.size() == 2) {
    info.kpt_count = kpt[0];
    info.kpt_dims = kpt[1];
  }

  // The task: from metadata, else from the graph's outputs.
  std::string task = get("task");
  if (task.empty()) {
    if (shapes.size() == 2 && shapes[1].size() == 4)
      task = "segment";
    else if (!shapes.empty() && shapes[0].size() == 2)
      task = "classify";
    else if (info.kpt_count > 0)
      task = "pose";
    else
      task = "detect";
  }
  if (task == "detect")
    info.task = Task::kDetect;
  else if (task == "segment")
    info.task = Task::kSegment;
  else if (task == "pose")
    info.task = Task::kPose;
  else if (task == "obb")
    info.task = Task::kObb;
  else if (task == "classify")
    info.task = Task::kClassify;
  else
    throw Error(code::kModelUnsupported, where + "unknown task '" + task + "'");

  if (shapes.empty()) throw Error(code::kModelUnsupported, where + "it has no outputs");
  // Ultralytics 8.4 writes the input channel count; grayscale (1) models take a decode path yolo-native lacks.
  if (auto channels = get("channels"); !channels.empty() && channels != "3") {
    throw Error(code::kModelUnsupported,
                where + "it takes " + channels + "-channel images (metadata 'channels'); yolo-native runs 3-channel (RGB) models only");
  }
  const auto& out0 = shapes[0];
  if (info.task == Task::kClassify && out0.size() != 2) {
    throw Error(code::kModelUnsupported,
                where + "output0 has rank " + std::to_string(out0.size()) + ", expected [batch, classes] for task " + task);
  }
  if (info.task == Task::kSegment && (shapes.size() < 2 || shapes[1].size() != 4)) {
    throw Error(code::kModelUnsupported, where + "a segment model needs output1 [batch, 32, mask_h, mask_w]");
  }
  if (info.task == Task::kPose && (info.kpt_count <= 0 || (info.kpt_dims != 2 && info.kpt_dims != 3))) {
    throw Error(code::kModelUnsupported, where + "a pose model needs kpt_shape metadata such as [17, 3]");
  }
  if (info.task != Task::kClassify) info.head = DecideHead(info, shapes, where);
  // Class count: the names, else what a classic output width implies (only knowable for a static channel count;
  // a row layout's width says nothing about it).
  if (info.names.empty()) {
    const int64_t channels = info.head == Head::kClassic ? out0[1] : -1;
    int64_t nc = -1;
    if (channels > 0) {
      switch (info.task) {
        case Task::kClassify: nc = channels; break;
        case Task::kDetect: nc = channels - 4; break;
        case Task::kSegment: nc = channels - 4 - (shapes[1][1] > 0 ? shapes[1][1] : 32); break;
        case Task::kPose: nc = channels - 4 - info.kpt_count * info.kpt_dims; break;
        case Task::kObb: nc = channels - 5; break;
      }
    }
    if (nc <= 0)
      throw Error(code::kModelUnsupported, where + "it has no 'names' metadata and its output width does not give the class count");
    for (int64_t c = 0; c < nc; ++c) info.names.push_back(std::to_string(c));
  }
}

}  // namespace yolo
