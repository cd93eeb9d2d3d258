// Streams the items of a JSON batch document without holding the document: only the item
// being read is kept (as a boost::json::value), so memory is bounded by one row.
// Accepted shapes: {"orderRequests": [item, …]}, [item, …], and {"orderRequest": {…}} (the API
// doc's example as is: one row). Other members of the top-level object are ignored.
// Sans-I/O: fed text (after TextFilter) in chunks of any size. Each item is read under the
// limits by a JsonItemBuilder: what is over them is the item's problem, not the file's.
#pragma once

#include "xferd/core/error.hpp"
#include "xferd/core/json_item.hpp"
#include "xferd/core/row.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace xferd {

class JsonBatchStream {
public:
    // max_string_bytes: one string or key; max_item_bytes: one item (its strings, keys, values).
    JsonBatchStream(std::size_t max_string_bytes, std::size_t max_item_bytes);
    ~JsonBatchStream();
    JsonBatchStream(JsonBatchStream&&) noexcept;
    JsonBatchStream& operator=(JsonBatchStream&&) noexcept;

    // Byte offsets in errors are counted from here (3 when a BOM was stripped before the text).
    void set_offset_base(std::uint64_t base);
    // Appends every item completed so far. False once the document has an error.
    bool feed(std::string_view text, std::vector<JsonItem>& out);
    // End of input: a truncated document, an empty file or no items at all is an error.
    bool finish(std::vector<JsonItem>& out);

    [[nodiscard]] const std::optional<FileError>& error() const;
    [[nodiscard]] std::size_t items() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// One NDJSON line: the whole document is one item, read under the same limits and checks as
// an item of a JSON array.
class JsonLineParser {
public:
    JsonLineParser(std::size_t max_string_bytes, std::size_t max_item_bytes);
    ~JsonLineParser();
    JsonLineParser(JsonLineParser&&) noexcept;
    JsonLineParser& operator=(JsonLineParser&&) noexcept;

    // The line's item, numbered `index`; or why it is not JSON ("incomplete JSON at character 12").
    Result<JsonItem> parse(std::string_view line, std::size_t index);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace xferd
