#include "xferd/core/json_stream.hpp"

#include "xferd/core/json_item.hpp"

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

// SAX handler: follows the document's outer structure itself and hands each item's events to
// a JsonItemBuilder, handing the item out as soon as it closes. With `document_is_item` (an
// NDJSON line) the whole document is the item.
class Handler {
public:
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

    Handler(std::size_t max_string_bytes, std::size_t max_item_bytes, bool document_is_item)
        : item_(max_string_bytes, max_item_bytes), document_is_item_(document_is_item)
    {
    }

    std::vector<JsonItem>* out = nullptr;
    std::string failure;  // set when the handler stops the parse

    enum class Top { none, array, object };
    [[nodiscard]] bool found_rows() const { return found_rows_; }
    [[nodiscard]] std::size_t items() const { return index_; }

    // An NDJSON line: its item is number `index`.
    void begin_document(std::size_t index)
    {
        item_.abandon();
        index_ = index - 1;
        depth_ = 0;
        in_string_ = false;
    }

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }

    bool on_array_begin(json::error_code& ec) { return open(Kind::array, ec); }
    bool on_object_begin(json::error_code& ec) { return open(Kind::object, ec); }
    bool on_array_end(std::size_t n, json::error_code&) { return close(Kind::array, n); }
    bool on_object_end(std::size_t n, json::error_code&) { return close(Kind::object, n); }

    bool on_string_part(json::string_view s, std::size_t, json::error_code& ec)
    {
        return string(s, false, ec);
    }
    bool on_string(json::string_view s, std::size_t, json::error_code& ec)
    {
        return string(s, true, ec);
    }
    bool on_key_part(json::string_view s, std::size_t, json::error_code&) { return key(s, false); }
    bool on_key(json::string_view s, std::size_t, json::error_code&) { return key(s, true); }

    bool on_number_part(json::string_view, json::error_code&) { return true; }
    bool on_int64(std::int64_t v, json::string_view, json::error_code& ec)
    {
        return scalar(ec, [&] { return item_.int64(v); });
    }
    bool on_uint64(std::uint64_t v, json::string_view, json::error_code& ec)
    {
        return scalar(ec, [&] { return item_.uint64(v); });
    }
    bool on_double(double v, json::string_view, json::error_code& ec)
    {
        return scalar(ec, [&] { return item_.real(v); });
    }
    bool on_bool(bool v, json::error_code& ec)
    {
        return scalar(ec, [&] { return item_.boolean(v); });
    }
    bool on_null(json::error_code& ec)
    {
        return scalar(ec, [&] { return item_.null(); });
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

    void hand_out() { out->push_back(item_.take()); }

    void start_item() { item_.start(++index_); }

    // Every value outside an item starts here, before its container (if any) is opened: it
    // may be an item, the rows array, or a member nobody reads.
    bool begin_value(Kind kind, json::error_code& ec)
    {
        if (skip_) {
            return true;
        }
        if (document_is_item_ || (depth_ != 0 && depth_ == rows_depth_)) {
            start_item();
            return true;
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
        if (top_ == Top::object && depth_ == 1) {
            if (key_ == "orderRequests" || key_ == "orderRequest") {
                return rows_member(kind, ec);
            }
        }
        if (kind != Kind::scalar) {  // a member nobody reads: walk past it
            skip_ = true;
            skip_depth_ = depth_;
        }
        return true;
    }

    // {"orderRequests": [...]} or the API doc's {"orderRequest": {...}}.
    bool rows_member(Kind kind, json::error_code& ec)
    {
        if (found_rows_) {
            return fail(ec, "the file has more than one \"orderRequests\" / \"orderRequest\" "
                            "member; keep one");
        }
        found_rows_ = true;
        if (key_ == "orderRequest") {
            start_item();
            return true;
        }
        if (kind != Kind::array) {
            return fail(ec, "\"orderRequests\" must be an array of orderRequest objects");
        }
        rows_depth_ = 2;
        return true;
    }

    bool open(Kind kind, json::error_code& ec)
    {
        if (!item_.active() && !begin_value(kind, ec)) {
            return false;
        }
        if (item_.active()) {
            item_.open(kind == Kind::object);
        } else {
            ++depth_;
        }
        return true;
    }

    bool close(Kind kind, std::size_t n)
    {
        if (item_.active()) {
            if (item_.close(kind == Kind::object, n)) {
                hand_out();
            }
            return true;
        }
        --depth_;
        if (skip_) {
            skip_ = depth_ != skip_depth_;
        } else if (depth_ + 1 == rows_depth_) {
            rows_depth_ = 0;  // the rows array is closed
        }
        return true;
    }

    bool string(json::string_view s, bool last, json::error_code& ec)
    {
        if (!item_.active() && !in_string_ && !begin_value(Kind::scalar, ec)) {
            return false;
        }
        if (item_.active()) {
            if (item_.string_part(s, last)) {
                hand_out();
            }
            return true;
        }
        in_string_ = !last;  // a string nobody reads: not kept
        return true;
    }

    template <class Push>
    bool scalar(json::error_code& ec, Push push)
    {
        if (!item_.active() && !begin_value(Kind::scalar, ec)) {
            return false;
        }
        if (item_.active() && push()) {
            hand_out();
        }
        return true;
    }

    bool key(json::string_view s, bool last)
    {
        if (item_.active()) {
            item_.key_part(s, last);
            return true;
        }
        if (skip_ || depth_ != 1) {
            return true;
        }
        if (key_done_) {
            key_.clear();
            key_done_ = false;
        }
        // Only compared with "orderRequests": a longer key need not be kept whole.
        key_.append(s.data(), std::min(s.size(), max_top_key - std::min(key_.size(), max_top_key)));
        key_done_ = last;
        return true;
    }

    static constexpr std::size_t max_top_key = 64;

    JsonItemBuilder item_;
    bool document_is_item_;
    std::size_t depth_ = 0;       // outside items
    Top top_ = Top::none;
    std::size_t rows_depth_ = 0;  // depth at which the items sit (0: not inside the rows array)
    bool found_rows_ = false;
    std::string key_;             // the current key of the top-level object
    bool key_done_ = false;
    bool in_string_ = false;      // inside a string outside items
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
    Impl(std::size_t max_string, std::size_t max_item)
        : parser(parse_options(), max_string, max_item, false)
    {
    }

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

struct JsonLineParser::Impl {
    Impl(std::size_t max_string, std::size_t max_item) : parser(parse_options(), max_string, max_item, true)
    {
    }
    json::basic_parser<Handler> parser;
    std::vector<JsonItem> items;
};

JsonLineParser::JsonLineParser(std::size_t max_string_bytes, std::size_t max_item_bytes)
    : impl_(std::make_unique<Impl>(max_string_bytes, max_item_bytes))
{
}

JsonLineParser::~JsonLineParser() = default;
JsonLineParser::JsonLineParser(JsonLineParser&&) noexcept = default;
JsonLineParser& JsonLineParser::operator=(JsonLineParser&&) noexcept = default;

Result<JsonItem> JsonLineParser::parse(std::string_view line, std::size_t index)
{
    Impl& m = *impl_;
    m.parser.reset();
    m.items.clear();
    m.parser.handler().out = &m.items;
    m.parser.handler().begin_document(index);
    json::error_code ec;
    std::size_t at = m.parser.write_some(false, line.data(), line.size(), ec);
    if (!ec) {
        const auto extra = line.find_first_not_of(" \t\r\n", at);
        if (extra != std::string_view::npos) {
            ec = json::error::extra_data;
            at = extra;
        }
    }
    if (ec || m.items.size() != 1) {
        return make_error((ec ? ec.message() : std::string("no value")) + " at character " +
                          std::to_string(at + 1));
    }
    return std::move(m.items.front());
}

}  // namespace xferd
