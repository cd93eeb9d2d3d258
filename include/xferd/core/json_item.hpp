// One item of a JSON batch (an array element, an NDJSON line), built from the parser's events
// under the batch limits. What would make it unsafe or ambiguous is not kept but noted, for
// json_rows to make it the row's error: a string or key over the field limit is left empty, an
// item over the row limit is dropped whole, a key twice in one object is noted (boost::json
// would silently keep the last one). Memory stays bounded by one item within the limits.
#pragma once

#include <boost/json/value.hpp>
#include <boost/json/value_stack.hpp>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace xferd {

// A step from an item down to one of its values: a member's key, or an array index.
struct JsonStep {
    std::string key;
    std::size_t index = 0;
    bool is_index = false;
};

struct JsonProblem {
    enum class Kind { string_too_long, key_too_long, duplicate_key, item_too_large };
    Kind kind = Kind::string_too_long;
    // From the item: to the string (string_too_long), or to the object holding the key.
    std::vector<JsonStep> path;
    std::string text;  // the duplicate key, or the first bytes of the over-long text
};

struct JsonItem {
    std::size_t index = 0;     // 1-based position in the array (NDJSON: the line number)
    boost::json::value value;  // null when the item was dropped (item_too_large)
    std::vector<JsonProblem> problems;
};

class JsonItemBuilder {
public:
    // max_string_bytes: one string or key; max_item_bytes: the item (its strings, keys, and
    // 8 bytes a value).
    JsonItemBuilder(std::size_t max_string_bytes, std::size_t max_item_bytes);

    // The next value is item `index`; active() until it ends.
    void start(std::size_t index);
    // Forgets a half-built item (the document had a syntax error).
    void abandon();
    [[nodiscard]] bool active() const { return active_; }

    // The parser's events while active(). Those that can end the item return true when they
    // do; take() it then.
    void open(bool object);
    bool close(bool object, std::size_t size);
    bool string_part(std::string_view s, bool last);
    void key_part(std::string_view s, bool last);
    bool int64(std::int64_t v);
    bool uint64(std::uint64_t v);
    bool real(double v);
    bool boolean(bool v);
    bool null();
    JsonItem take();

private:
    struct Frame {
        bool object = false;
        std::size_t next_index = 0;  // array: the index of the next element
        std::string key;             // object: the key of the member being read
        std::set<std::string> keys;  // object: the keys seen
    };

    void begin_value();
    bool end_value();
    void count(std::size_t bytes);
    void append_text(std::string_view s);
    void note(JsonProblem::Kind kind, std::size_t frames, std::string text);

    std::size_t max_string_;
    std::size_t max_item_;
    boost::json::value_stack stack_;
    std::vector<Frame> frames_;
    std::vector<JsonProblem> problems_;
    std::string text_;          // the string or key being read
    std::string text_prefix_;   // its first bytes, once it is over the limit
    bool text_over_ = false;
    bool in_string_ = false;
    bool active_ = false;
    bool dropped_ = false;      // over the item limit: nothing more is kept
    std::size_t index_ = 0;
    std::size_t bytes_ = 0;
    JsonItem done_;
};

}  // namespace xferd
