#include "xferd/core/json_item.hpp"

#include "xferd/core/limits.hpp"

#include <algorithm>
#include <utility>

namespace xferd {

JsonItemBuilder::JsonItemBuilder(std::size_t max_string_bytes, std::size_t max_item_bytes)
    : max_string_(max_string_bytes), max_item_(max_item_bytes)
{
}

void JsonItemBuilder::start(std::size_t index)
{
    abandon();
    active_ = true;
    index_ = index;
}

void JsonItemBuilder::abandon()
{
    stack_.reset();
    frames_.clear();
    problems_.clear();
    text_.clear();
    text_prefix_.clear();
    text_over_ = false;
    in_string_ = false;
    active_ = false;
    dropped_ = false;
    bytes_ = 0;
}

// Counted as the item is read; past the limit the item is dropped and memory given back.
void JsonItemBuilder::count(std::size_t bytes)
{
    bytes_ += bytes;
    if (dropped_ || bytes_ <= max_item_) {
        return;
    }
    dropped_ = true;
    stack_.reset();
    for (auto& f : frames_) {
        f.keys.clear();
    }
    text_.clear();
    problems_.assign(1, JsonProblem{JsonProblem::Kind::item_too_large, {}, {}});
}

// The path of the value being read, through the first `frames` containers.
void JsonItemBuilder::note(JsonProblem::Kind kind, std::size_t frames, std::string text)
{
    if (dropped_) {
        return;
    }
    JsonProblem p{kind, {}, std::move(text)};
    for (std::size_t i = 0; i < frames; ++i) {
        const Frame& f = frames_[i];
        p.path.push_back(f.object ? JsonStep{f.key, 0, false} : JsonStep{{}, f.next_index - 1, true});
    }
    problems_.push_back(std::move(p));
}

void JsonItemBuilder::append_text(std::string_view s)
{
    count(s.size());
    if (text_over_ || dropped_) {
        return;
    }
    if (text_.size() + s.size() <= max_string_) {
        text_.append(s);
        return;
    }
    // Its first bytes, no more than it certainly has (limit + 1): the same for any parts.
    std::string first = text_.substr(0, message_prefix_bytes);
    first.append(s.substr(0, message_prefix_bytes - first.size()));
    first.resize(std::min(first.size(), max_string_ + 1));
    text_prefix_ = message_prefix(first);
    text_over_ = true;
    text_.clear();
}

void JsonItemBuilder::begin_value()
{
    count(8);
    if (!frames_.empty() && !frames_.back().object) {
        ++frames_.back().next_index;
    }
}

bool JsonItemBuilder::end_value()
{
    if (!frames_.empty()) {
        return false;
    }
    active_ = false;
    done_ = JsonItem{index_, dropped_ ? boost::json::value() : stack_.release(), std::move(problems_)};
    problems_.clear();
    return true;
}

void JsonItemBuilder::open(bool object)
{
    begin_value();
    frames_.push_back(Frame{object, 0, {}, {}});
}

bool JsonItemBuilder::close(bool object, std::size_t size)
{
    frames_.pop_back();
    if (!dropped_) {
        if (object) {
            stack_.push_object(size);
        } else {
            stack_.push_array(size);
        }
    }
    return end_value();
}

bool JsonItemBuilder::string_part(std::string_view s, bool last)
{
    if (!in_string_) {
        in_string_ = true;
        begin_value();
    }
    append_text(s);
    if (!last) {
        return false;
    }
    in_string_ = false;
    if (text_over_) {
        note(JsonProblem::Kind::string_too_long, frames_.size(), std::move(text_prefix_));
    }
    if (!dropped_) {
        stack_.push_string(text_);  // empty when over the limit
    }
    text_.clear();
    text_over_ = false;
    return end_value();
}

void JsonItemBuilder::key_part(std::string_view s, bool last)
{
    append_text(s);
    if (!last) {
        return;
    }
    Frame& f = frames_.back();
    if (text_over_) {
        note(JsonProblem::Kind::key_too_long, frames_.size() - 1, std::move(text_prefix_));
    } else if (!dropped_ && !f.keys.insert(text_).second) {
        note(JsonProblem::Kind::duplicate_key, frames_.size() - 1, text_);
    }
    f.key = text_;
    if (!dropped_) {
        stack_.push_key(text_);
    }
    text_.clear();
    text_over_ = false;
}

bool JsonItemBuilder::int64(std::int64_t v)
{
    begin_value();
    if (!dropped_) {
        stack_.push_int64(v);
    }
    return end_value();
}

bool JsonItemBuilder::uint64(std::uint64_t v)
{
    begin_value();
    if (!dropped_) {
        stack_.push_uint64(v);
    }
    return end_value();
}

bool JsonItemBuilder::real(double v)
{
    begin_value();
    if (!dropped_) {
        stack_.push_double(v);
    }
    return end_value();
}

bool JsonItemBuilder::boolean(bool v)
{
    begin_value();
    if (!dropped_) {
        stack_.push_bool(v);
    }
    return end_value();
}

bool JsonItemBuilder::null()
{
    begin_value();
    if (!dropped_) {
        stack_.push_null();
    }
    return end_value();
}

JsonItem JsonItemBuilder::take() { return std::move(done_); }

}  // namespace xferd
