#include "worker/tokenizers/gzip_file.h"

#include <zlib.h>

#include "common/file_util.h"

namespace clipglass::tokenizers {

StatusOr<std::string> ReadGzipFile(const std::string& path) {
  CG_ASSIGN_OR_RETURN(const std::string compressed, ReadFileToString(path));
  z_stream stream{};
  // 16 + MAX_WBITS: expect a gzip header and trailer.
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) {
    return InternalError(path + ": cannot initialise zlib");
  }
  std::string out(compressed.size() * 3 + 4096, '\0');
  size_t written = 0;  // not stream.total_out: inflateReset clears it between members
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  int rc = Z_OK;
  while (true) {
    if (written == out.size()) out.resize(out.size() * 2);
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + written);
    stream.avail_out = static_cast<uInt>(out.size() - written);
    const uInt before = stream.avail_out;
    rc = inflate(&stream, Z_NO_FLUSH);
    written += before - stream.avail_out;
    if (rc == Z_STREAM_END) {
      // Concatenated members are one file to gzip(1) and Python's gzip module.
      if (stream.avail_in == 0 || inflateReset(&stream) != Z_OK) break;
      continue;
    }
    if (rc != Z_OK && !(rc == Z_BUF_ERROR && stream.avail_out == 0)) break;
  }
  const size_t total = written;
  inflateEnd(&stream);
  if (rc != Z_STREAM_END) {
    return DataLossError(path + ": not a complete gzip file (zlib error " + std::to_string(rc) +
                         ")");
  }
  out.resize(total);
  return out;
}

}  // namespace clipglass::tokenizers
