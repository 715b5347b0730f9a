#include "proto/wire.h"

#include <cstring>
#include <string>

namespace clipglass::wire {

int64_t GenomeWidth(const GenomeLayout& layout) {
  int64_t width = 0;
  for (const Segment& s : layout) width += s.width;
  return width;
}

void PackLatents(const GenomeLayout& layout, const std::vector<const std::vector<double>*>& genomes,
                 v1::Latents* out) {
  out->Clear();
  const int64_t count = static_cast<int64_t>(genomes.size());
  out->set_count(static_cast<uint32_t>(count));
  int64_t offset = 0;
  for (const Segment& segment : layout) {
    v1::LatentSegment* packed = out->add_segments();
    packed->set_width(static_cast<uint32_t>(segment.width));
    const int64_t n = count * segment.width;
    switch (segment.kind) {
      case GeneKind::kReal: {
        std::string* bytes = packed->mutable_float32_le();
        bytes->resize(n * sizeof(float));
        char* dst = bytes->data();
        for (int64_t r = 0; r < count; ++r) {
          for (int64_t c = 0; c < segment.width; ++c) {
            const float v = static_cast<float>((*genomes[r])[offset + c]);
            std::memcpy(dst, &v, sizeof(float));  // x86-64 and aarch64 are little-endian
            dst += sizeof(float);
          }
        }
        break;
      }
      case GeneKind::kInteger: {
        std::string* bytes = packed->mutable_int32_le();
        bytes->resize(n * sizeof(int32_t));
        char* dst = bytes->data();
        for (int64_t r = 0; r < count; ++r) {
          for (int64_t c = 0; c < segment.width; ++c) {
            const int32_t v = static_cast<int32_t>((*genomes[r])[offset + c]);
            std::memcpy(dst, &v, sizeof(int32_t));
            dst += sizeof(int32_t);
          }
        }
        break;
      }
      case GeneKind::kBool: {
        std::string* bytes = packed->mutable_bits();
        bytes->assign((n + 7) / 8, '\0');
        int64_t bit = 0;
        for (int64_t r = 0; r < count; ++r) {
          for (int64_t c = 0; c < segment.width; ++c, ++bit) {
            if ((*genomes[r])[offset + c] != 0.0)
              (*bytes)[bit / 8] |= static_cast<char>(1 << (bit % 8));
          }
        }
        break;
      }
    }
    offset += segment.width;
  }
}

StatusOr<UnpackedLatents> UnpackLatents(const v1::Latents& latents) {
  UnpackedLatents result;
  result.count = latents.count();
  for (int i = 0; i < latents.segments_size(); ++i) {
    const v1::LatentSegment& packed = latents.segments(i);
    UnpackedSegment segment;
    segment.width = packed.width();
    const int64_t n = result.count * segment.width;
    auto size_error = [&](size_t got, int64_t want) {
      return InvalidArgumentError("latents segment " + std::to_string(i) + ": " +
                                  std::to_string(got) + " bytes for " + std::to_string(n) +
                                  " genes, expected " + std::to_string(want));
    };
    switch (packed.data_case()) {
      case v1::LatentSegment::kFloat32Le: {
        segment.kind = GeneKind::kReal;
        const std::string& bytes = packed.float32_le();
        if (static_cast<int64_t>(bytes.size()) != n * 4) return size_error(bytes.size(), n * 4);
        segment.reals.resize(n);
        std::memcpy(segment.reals.data(), bytes.data(), bytes.size());
        break;
      }
      case v1::LatentSegment::kInt32Le: {
        segment.kind = GeneKind::kInteger;
        const std::string& bytes = packed.int32_le();
        if (static_cast<int64_t>(bytes.size()) != n * 4) return size_error(bytes.size(), n * 4);
        segment.integers.resize(n);
        std::memcpy(segment.integers.data(), bytes.data(), bytes.size());
        break;
      }
      case v1::LatentSegment::kBits: {
        segment.kind = GeneKind::kBool;
        const std::string& bytes = packed.bits();
        if (static_cast<int64_t>(bytes.size()) != (n + 7) / 8) {
          return size_error(bytes.size(), (n + 7) / 8);
        }
        segment.bools.resize(n);
        for (int64_t b = 0; b < n; ++b) {
          segment.bools[b] = (static_cast<uint8_t>(bytes[b / 8]) >> (b % 8)) & 1;
        }
        break;
      }
      default:
        return InvalidArgumentError("latents segment " + std::to_string(i) + " has no data");
    }
    result.segments.push_back(std::move(segment));
  }
  return result;
}

std::vector<double> GenomeRow(const UnpackedLatents& latents, int64_t row) {
  std::vector<double> genome;
  for (const UnpackedSegment& s : latents.segments) {
    for (int64_t c = 0; c < s.width; ++c) {
      const int64_t i = row * s.width + c;
      switch (s.kind) {
        case GeneKind::kReal:
          genome.push_back(s.reals[i]);
          break;
        case GeneKind::kInteger:
          genome.push_back(s.integers[i]);
          break;
        case GeneKind::kBool:
          genome.push_back(s.bools[i]);
          break;
      }
    }
  }
  return genome;
}

}  // namespace clipglass::wire
