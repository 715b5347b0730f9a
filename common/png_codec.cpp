#include "common/png_codec.h"

#include <png.h>

#include <cstring>
#include <utility>
#include <vector>

namespace clipglass {
namespace {

struct ReadCursor {
  const std::string* bytes;
  size_t offset = 0;
};

void ReadFromString(png_structp png, png_bytep out, png_size_t length) {
  auto* cursor = static_cast<ReadCursor*>(png_get_io_ptr(png));
  if (cursor->offset + length > cursor->bytes->size()) png_error(png, "truncated PNG data");
  std::memcpy(out, cursor->bytes->data() + cursor->offset, length);
  cursor->offset += length;
}

void WriteToString(png_structp png, png_bytep data, png_size_t length) {
  static_cast<std::string*>(png_get_io_ptr(png))
      ->append(reinterpret_cast<const char*>(data), length);
}

void Flush(png_structp) {}

// libpng reports errors by longjmp; the message is copied here before the jump.
void OnError(png_structp png, png_const_charp message) {
  auto* text = static_cast<std::string*>(png_get_error_ptr(png));
  *text = message;
  png_longjmp(png, 1);
}

void OnWarning(png_structp, png_const_charp) {}

}  // namespace

StatusOr<std::string> EncodePng(const RgbImage& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.rgb.size() != static_cast<size_t>(image.width * image.height * 3)) {
    return InvalidArgumentError("EncodePng: buffer does not match the image size");
  }
  std::string error;
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &error, OnError, OnWarning);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return InternalError("EncodePng: " + error);
  }
  png_set_write_fn(png, &out, WriteToString, Flush);
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.width),
               static_cast<png_uint_32>(image.height), 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int64_t y = 0; y < image.height; ++y) {
    png_write_row(png, const_cast<png_bytep>(image.rgb.data() + y * image.width * 3));
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

namespace {

// Everything DecodePng owns lives here, created before setjmp: libpng leaves by longjmp,
// which skips destructors of objects created after the jump buffer was set.
struct DecodeState {
  ReadCursor cursor;
  RgbImage image;
  std::vector<png_bytep> rows;
};

// May leave by longjmp; touches only `state`, which outlives the jump.
void ReadImage(png_structp png, png_infop info, DecodeState* state) {
  png_set_read_fn(png, &state->cursor, ReadFromString);
  png_read_info(png, info);
  const png_uint_32 width = png_get_image_width(png, info);
  const png_uint_32 height = png_get_image_height(png, info);
  if (static_cast<uint64_t>(width) * height > (1u << 28)) png_error(png, "image too large");
  const int color = png_get_color_type(png, info);
  if (png_get_bit_depth(png, info) == 16) png_set_strip_16(png);
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) {
    png_set_expand_gray_1_2_4_to_8(png);
    png_set_gray_to_rgb(png);
  }
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_rowbytes(png, info) != static_cast<size_t>(width) * 3) {
    png_error(png, "unsupported pixel layout");
  }
  state->image.width = width;
  state->image.height = height;
  state->image.rgb.resize(static_cast<size_t>(width) * height * 3);
  state->rows.resize(height);
  for (png_uint_32 y = 0; y < height; ++y)
    state->rows[y] = state->image.rgb.data() + static_cast<size_t>(y) * width * 3;
  png_read_image(png, state->rows.data());
  png_read_end(png, nullptr);
}

}  // namespace

StatusOr<RgbImage> DecodePng(const std::string& bytes, const std::string& what) {
  if (bytes.size() < 8 || png_sig_cmp(reinterpret_cast<png_const_bytep>(bytes.data()), 0, 8) != 0) {
    return InvalidArgumentError(what + ": not a PNG image");
  }
  std::string error;
  DecodeState state{ReadCursor{&bytes, 0}, {}, {}};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &error, OnError, OnWarning);
  if (png == nullptr) return InternalError(what + ": libpng could not start");
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return InvalidArgumentError(what + ": corrupt PNG: " + error);
  }
  ReadImage(png, info, &state);
  png_destroy_read_struct(&png, &info, nullptr);
  return std::move(state.image);
}

}  // namespace clipglass
