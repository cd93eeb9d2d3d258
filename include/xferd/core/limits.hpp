// The size limits on an input batch: one type, one set of defaults, read from the config's
// `limits:` and applied by the batch reader, so `validate` and `once` give the same verdict.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

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

// The start of an over-long value, to show in its message: at most 16 bytes of `value`, whole
// UTF-8 characters, up to any control character. Callers pass the same bytes for any chunking.
std::string message_prefix(std::string_view value);
inline constexpr std::size_t message_prefix_bytes = 16;

// A row's error for a value over limits.max_field_bytes, the same for every format; `prefix`
// is the value's first few bytes (shown so the operator finds the cell), may be empty.
std::string value_too_long_message(std::size_t max_field_bytes, std::string_view prefix);
// A row's error for a row over limits.max_row_bytes: `what` is "the row (line 12)", "item 3",
// "line 7"; `advice` what such a row usually is.
std::string row_too_long_message(std::string_view what, std::size_t max_row_bytes,
                                 std::string_view advice);

}  // namespace xferd
