#include "xferd/core/json_stream.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/value_stack.hpp>

#include <algorithm>
#include <string>
#include <utility>

namespace xferd {

namespace json = boost::json;

namespace {

// The parser sees the text in blocks of this size at fixed offsets, whatever chunks the
// caller feeds: basic_parser reports an error position that depends on where a token was
// cut, so fixed blocks keep every result identical for any chunking.
constexpr std::size_t block_size = 16 * 1024;

// SAX handler: follows the document's outer structure itself and builds a value only for
// the item being read (in a value_stack), handing each item out as soon as it closes.
class Handler {
public:
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

    Handler(std::size_t max_string_bytes, std::size_t max_item_bytes)
        : max_string_(max_string_bytes), max_item_(max_item_bytes)
    {
    }

    std::vector<JsonItem>* out = nullptr;
    std::string failure;  // set when the handler stops the parse

    enum class Top { none, array, object };
    [[nodiscard]] Top top() const { return top_; }
    [[nodiscard]] bool found_rows() const { return found_rows_; }
    [[nodiscard]] std::size_t items() const { return index_; }

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }

    bool on_array_begin(json::error_code& ec) { return open(Kind::array, ec); }
    bool on_object_begin(json::error_code& ec) { return open(Kind::object, ec); }
    bool on_array_end(std::size_t n, json::error_code& ec) { return close(Kind::array, n, ec); }
    bool on_object_end(std::size_t n, json::error_code& ec) { return close(Kind::object, n, ec); }

    bool on_string_part(json::string_view s, std::size_t n, json::error_code& ec)
    {
        if (!in_string_) {
            in_string_ = true;
            if (!begin_value(Kind::scalar, ec)) {
                return false;
            }
        }
        if (!check_string(n, ec) || !count(s.size(), ec)) {
            return false;
        }
        if (capture_) {
            stack_.push_chars(s);
        }
        return true;
    }

    bool on_string(json::string_view s, std::size_t n, json::error_code& ec)
    {
        if (!in_string_ && !begin_value(Kind::scalar, ec)) {
            return false;
        }
        in_string_ = false;
        if (!check_string(n, ec) || !count(s.size(), ec)) {
            return false;
        }
        if (capture_) {
            stack_.push_string(s);
        }
        return end_scalar();
    }

    bool on_key_part(json::string_view s, std::size_t n, json::error_code& ec)
    {
        return key(s, n, false, ec);
    }
    bool on_key(json::string_view s, std::size_t n, json::error_code& ec) { return key(s, n, true, ec); }

    bool on_number_part(json::string_view, json::error_code&) { return true; }
    bool on_int64(std::int64_t v, json::string_view, json::error_code& ec)
    {
        return scalar(ec, [&] { stack_.push_int64(v); });
    }
    bool on_uint64(std::uint64_t v, json::string_view, json::error_code& ec)
    {
        return scalar(ec, [&] { stack_.push_uint64(v); });
    }
    bool on_double(double v, json::string_view, json::error_code& ec)
    {
        return scalar(ec, [&] { stack_.push_double(v); });
    }
    bool on_bool(bool v, json::error_code& ec)
    {
        return scalar(ec, [&] { stack_.push_bool(v); });
    }
    bool on_null(json::error_code& ec)
    {
        return scalar(ec, [&] { stack_.push_null(); });
    }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }

private:
    enum class Kind { array, object, scalar };

    bool fail(json::error_code& ec, std::string message)
    {
        failure = std::move(message);
        ec = json::make_error_code(json::error::exception);
        return false;
    }

    bool count(std::size_t bytes, json::error_code& ec)
    {
        if (!capture_) {
            return true;
        }
        item_bytes_ += bytes;
        if (item_bytes_ > max_item_) {
            return fail(ec, "row " + std::to_string(index_) + " is larger than " +
                                std::to_string(max_item_) +
                                " bytes; an orderRequest is a few hundred bytes: check the file");
        }
        return true;
    }

    bool check_string(std::size_t total, json::error_code& ec)
    {
        if (total > max_string_) {
            return fail(ec, "a string " + (capture_ ? "in row " + std::to_string(index_) : "") +
                                " is longer than " + std::to_string(max_string_) + " bytes");
        }
        return true;
    }

    void start_item()
    {
        ++index_;
        capture_ = true;
        capture_depth_ = depth_;
        item_bytes_ = 0;
        stack_.reset();
    }

    // Every value starts here, before its container (if any) is opened.
    bool begin_value(Kind kind, json::error_code& ec)
    {
        if (capture_ || skip_) {
            return capture_ ? count(8, ec) : true;
        }
        if (depth_ == 0) {
            if (kind == Kind::scalar) {
                return fail(ec, "a JSON batch must be {\"orderRequests\": […]} or an array of "
                                "orderRequest objects, not a single value");
            }
            top_ = kind == Kind::array ? Top::array : Top::object;
            if (top_ == Top::array) {
                rows_depth_ = 1;
                found_rows_ = true;
            }
            return true;
        }
        if (depth_ == rows_depth_) {
            start_item();
            return count(8, ec);
        }
        if (top_ == Top::object && depth_ == 1) {
            if (key_ == "orderRequests") {
                if (kind != Kind::array) {
                    return fail(ec, "\"orderRequests\" must be an array of orderRequest objects");
                }
                if (found_rows_) {
                    return fail(ec, "the file has more than one \"orderRequests\" / "
                                    "\"orderRequest\" member; keep one");
                }
                found_rows_ = true;
                rows_depth_ = 2;
                return true;
            }
            if (key_ == "orderRequest") {
                if (found_rows_) {
                    return fail(ec, "the file has more than one \"orderRequests\" / "
                                    "\"orderRequest\" member; keep one");
                }
                found_rows_ = true;
                start_item();
                return count(8, ec);
            }
        }
        if (kind != Kind::scalar) {  // a member nobody reads: walk past it
            skip_ = true;
            skip_depth_ = depth_;
        }
        return true;
    }

    bool open(Kind kind, json::error_code& ec)
    {
        if (!begin_value(kind, ec)) {
            return false;
        }
        ++depth_;
        return true;
    }

    bool close(Kind kind, std::size_t n, json::error_code& ec)
    {
        --depth_;
        if (capture_) {
            if (kind == Kind::array) {
                stack_.push_array(n);
            } else {
                stack_.push_object(n);
            }
            return end_item_if_done(ec);
        }
        if (skip_) {
            if (depth_ == skip_depth_) {
                skip_ = false;
            }
            return true;
        }
        if (depth_ + 1 == rows_depth_) {
            rows_depth_ = 0;  // the rows array is closed
        }
        return true;
    }

    bool end_item_if_done(json::error_code&)
    {
        if (capture_ && depth_ == capture_depth_) {
            capture_ = false;
            out->push_back(JsonItem{index_, stack_.release()});
        }
        return true;
    }

    bool end_scalar()
    {
        json::error_code ec;
        return end_item_if_done(ec);
    }

    template <class Push>
    bool scalar(json::error_code& ec, Push push)
    {
        if (!begin_value(Kind::scalar, ec)) {
            return false;
        }
        if (capture_) {
            push();
        }
        return end_scalar();
    }

    bool key(json::string_view s, std::size_t n, bool last, json::error_code& ec)
    {
        if (!check_string(n, ec) || !count(s.size(), ec)) {
            return false;
        }
        if (capture_) {
            if (last) {
                stack_.push_key(s);
            } else {
                stack_.push_chars(s);
            }
            return true;
        }
        if (skip_ || depth_ != 1) {
            return true;
        }
        if (key_done_) {
            key_.clear();
            key_done_ = false;
        }
        key_.append(s.data(), s.size());
        key_done_ = last;
        return true;
    }

    std::size_t max_string_;
    std::size_t max_item_;
    json::value_stack stack_;
    std::size_t depth_ = 0;
    Top top_ = Top::none;
    std::size_t rows_depth_ = 0;  // depth at which the items sit (0: not inside the rows array)
    bool found_rows_ = false;
    std::string key_;             // the current key of the top-level object
    bool key_done_ = false;
    bool in_string_ = false;
    bool capture_ = false;
    std::size_t capture_depth_ = 0;
    std::size_t item_bytes_ = 0;
    bool skip_ = false;
    std::size_t skip_depth_ = 0;
    std::size_t index_ = 0;
};

json::parse_options parse_options()
{
    json::parse_options opt;
    opt.max_depth = 64;
    return opt;
}

void count_lines(std::string_view s, std::uint64_t& line, bool& after_cr)
{
    for (const char c : s) {
        if (c == '\n') {
            if (!after_cr) {
                ++line;
            }
            after_cr = false;
        } else if (c == '\r') {
            ++line;
            after_cr = true;
        } else {
            after_cr = false;
        }
    }
}

bool all_whitespace(std::string_view s)
{
    return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

struct JsonBatchStream::Impl {
    Impl(std::size_t max_string, std::size_t max_item) : parser(parse_options(), max_string, max_item) {}

    json::basic_parser<Handler> parser;
    std::string block;
    std::uint64_t base = 0;          // file offset of the first text byte
    std::uint64_t consumed = 0;      // text bytes before `block`
    std::uint64_t line = 1;          // line at the start of `block`
    bool after_cr = false;
    bool done = false;               // the document is complete
    bool saw_text = false;           // anything but whitespace
    std::optional<FileError> error;

    bool fail(std::string message, std::size_t at)
    {
        std::uint64_t l = line;
        bool cr = after_cr;
        count_lines(std::string_view(block).substr(0, at), l, cr);
        const std::uint64_t offset = base + consumed + at;
        error = FileError{std::move(message) + " (byte " + std::to_string(offset) + ", line " +
                              std::to_string(l) + ")",
                          offset, l};
        return false;
    }

    bool parse_error(const json::error_code& ec, std::size_t at)
    {
        const std::string& failure = parser.handler().failure;
        if (!failure.empty()) {
            return fail(failure, at);
        }
        if (ec == json::error::incomplete) {
            return fail("the JSON ends before the document is complete: the file is truncated or "
                        "a closing bracket is missing",
                        at);
        }
        if (ec == json::error::too_deep) {
            return fail("the JSON is nested too deeply for an orderRequest batch", at);
        }
        return fail("the JSON is not valid (" + ec.message() +
                        "): look for a missing comma, quote or bracket just before this point",
                    at);
    }

    bool extra_data(std::size_t at)
    {
        return fail("there is more after the end of the JSON document: a .json file holds one "
                    "document; for one orderRequest per line name the file .ndjson",
                    at);
    }

    // Parses the whole block; `more` is false only for the last call.
    bool write_block(bool more, std::vector<JsonItem>& out)
    {
        parser.handler().out = &out;
        std::size_t at = 0;
        if (!done && (!block.empty() || !more)) {
            json::error_code ec;
            at = parser.write_some(more, block.data(), block.size(), ec);
            if (ec) {
                return parse_error(ec, at);
            }
            done = parser.done();
        }
        if (at < block.size()) {  // only whitespace may follow the document
            const std::string_view rest = std::string_view(block).substr(at);
            const auto extra = rest.find_first_not_of(" \t\r\n");
            if (extra != std::string_view::npos) {
                return extra_data(at + extra);
            }
        }
        count_lines(block, line, after_cr);
        consumed += block.size();
        block.clear();
        return true;
    }
};

JsonBatchStream::JsonBatchStream(std::size_t max_string_bytes, std::size_t max_item_bytes)
    : impl_(std::make_unique<Impl>(max_string_bytes, max_item_bytes))
{
    impl_->block.reserve(block_size);
}

JsonBatchStream::~JsonBatchStream() = default;
JsonBatchStream::JsonBatchStream(JsonBatchStream&&) noexcept = default;
JsonBatchStream& JsonBatchStream::operator=(JsonBatchStream&&) noexcept = default;

void JsonBatchStream::set_offset_base(std::uint64_t base) { impl_->base = base; }

bool JsonBatchStream::feed(std::string_view text, std::vector<JsonItem>& out)
{
    Impl& m = *impl_;
    if (m.error) {
        return false;
    }
    if (!m.saw_text && !all_whitespace(text)) {
        m.saw_text = true;
    }
    while (!text.empty()) {
        const std::size_t take = std::min(block_size - m.block.size(), text.size());
        m.block.append(text.substr(0, take));
        text.remove_prefix(take);
        if (m.block.size() == block_size && !m.write_block(true, out)) {
            return false;
        }
    }
    return true;
}

bool JsonBatchStream::finish(std::vector<JsonItem>& out)
{
    Impl& m = *impl_;
    if (m.error) {
        return false;
    }
    if (!m.saw_text) {
        m.error = FileError{"the file is empty: expected {\"orderRequests\": [ … ]} or an array of "
                            "orderRequest objects",
                            std::nullopt, std::nullopt};
        return false;
    }
    if (!m.write_block(false, out)) {
        return false;
    }
    const Handler& h = m.parser.handler();
    if (!h.found_rows()) {
        m.error = FileError{"the JSON object has no \"orderRequests\" array: write the batch as "
                            "{\"orderRequests\": [{\"orderRequest\": {…}}, …]}",
                            std::nullopt, std::nullopt};
        return false;
    }
    if (h.items() == 0) {
        m.error = FileError{"the file holds no orderRequests: the array is empty", std::nullopt,
                            std::nullopt};
        return false;
    }
    return true;
}

const std::optional<FileError>& JsonBatchStream::error() const { return impl_->error; }

std::size_t JsonBatchStream::items() const { return impl_->parser.handler().items(); }

}  // namespace xferd
