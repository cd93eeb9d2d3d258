// The size limits on an input batch: one type, one set of defaults, read from the config's
// `limits:` and applied by the batch reader, so `validate` and `once` give the same verdict.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace xferd {

struct BatchLimits {
    std::uint64_t max_file_bytes = 256ull * 1024 * 1024;  // the whole file: else a file error
    std::size_t max_field_bytes = 64 * 1024;    // one CSV field / JSON string: else a row error
    std::size_t max_row_bytes = 1024 * 1024;    // one CSV record / JSON item / NDJSON line
    std::size_t max_columns = 256;              // fields of one CSV record
};

// A size the way the config spells it: "64KiB", "1MiB", "256MiB", else a number of bytes.
std::string format_size(std::uint64_t bytes);
// The same for a message: "64KiB", or "40 bytes".
std::string size_text(std::uint64_t bytes);

}  // namespace xferd
