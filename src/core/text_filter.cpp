#include "xferd/core/text_filter.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace xferd {

namespace {

std::string hex_byte(unsigned char b)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned>(b));
    return buf;
}

// RFC 3629: the lead byte fixes the length and the range of the first continuation byte (no
// overlong forms, no surrogates, nothing above U+10FFFF). nullopt: not a lead byte.
struct Utf8Lead {
    int length = 0;
    unsigned char lo = 0x80, hi = 0xBF;
};

std::optional<Utf8Lead> utf8_lead(unsigned char b)
{
    if (b >= 0xC2 && b <= 0xDF) return Utf8Lead{2};
    if (b == 0xE0) return Utf8Lead{3, 0xA0};
    if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) return Utf8Lead{3};
    if (b == 0xED) return Utf8Lead{3, 0x80, 0x9F};
    if (b == 0xF0) return Utf8Lead{4, 0x90};
    if (b >= 0xF1 && b <= 0xF3) return Utf8Lead{4};
    if (b == 0xF4) return Utf8Lead{4, 0x80, 0x8F};
    return std::nullopt;
}

}  // namespace

TextFilter::TextFilter(std::string save_advice) : advice_(std::move(save_advice)) {}

bool TextFilter::fail_utf8(std::uint64_t at, unsigned char byte)
{
    error_ = FileError{"the file is not UTF-8 text: byte " + hex_byte(byte) + " at offset " +
                           std::to_string(at) + " (line " + std::to_string(line_) +
                           ") is not valid UTF-8; it was probably saved in a legacy encoding "
                           "(Windows-1252 / Latin-1): " + advice_,
                       at, line_};
    return false;
}

bool TextFilter::fail_nul(std::uint64_t at)
{
    error_ = FileError{"the file is not text: it has a NUL byte at offset " + std::to_string(at) +
                           " (line " + std::to_string(line_) +
                           "); it may be a binary file (an Excel workbook under a .csv name) or a "
                           "UTF-16 \"Unicode Text\" export: " + advice_,
                       at, line_};
    return false;
}

void TextFilter::count_lines(std::string_view ascii_run)
{
    for (const char c : ascii_run) {
        if (c == '\n') {
            if (!after_cr_) {
                ++line_;
            }
            after_cr_ = false;
        } else if (c == '\r') {
            ++line_;
            after_cr_ = true;
        } else {
            after_cr_ = false;
        }
    }
}

// Decides what the first bytes say about the file, then checks them like any other bytes.
bool TextFilter::sniff(const Sink& sink)
{
    sniffed_ = true;
    const std::string_view head = head_;
    const auto starts = [&](std::string_view sig) { return head.substr(0, sig.size()) == sig; };
    if (starts("\xFF\xFE") || starts("\xFE\xFF")) {
        error_ = FileError{"the file is UTF-16 (Excel \"Unicode Text\"), not UTF-8: " + advice_, 0, 1};
        return false;
    }
    if (starts(std::string_view("PK\x03\x04", 4))) {
        error_ = FileError{"the file is a ZIP archive (an Excel .xlsx workbook?), not text: " + advice_,
                           0, 1};
        return false;
    }
    std::string_view rest = head;
    if (starts("\xEF\xBB\xBF")) {
        bom_ = true;
        offset_ = 3;
        rest.remove_prefix(3);
    }
    const std::string copy(rest);
    head_.clear();
    return check(copy, sink);
}

bool TextFilter::feed(std::string_view chunk, const Sink& sink)
{
    if (error_ || stopped_) {
        return false;
    }
    if (!sniffed_) {
        const std::size_t take = std::min<std::size_t>(4 - head_.size(), chunk.size());
        head_.append(chunk.substr(0, take));
        chunk.remove_prefix(take);
        if (head_.size() < 4) {
            return true;
        }
        if (!sniff(sink)) {
            return false;
        }
    }
    return check(chunk, sink);
}

bool TextFilter::finish(const Sink& sink)
{
    if (error_ || stopped_) {
        return false;
    }
    if (!sniffed_ && !sniff(sink)) {
        return false;
    }
    if (need_ > 0) {
        const std::uint64_t at = offset_ - pending_.size();
        error_ = FileError{"the file ends in the middle of a UTF-8 character (offset " +
                               std::to_string(at) + ", line " + std::to_string(line_) +
                               "): it looks truncated; copy it again completely",
                           at, line_};
        return false;
    }
    return true;
}

// Completes the character the previous chunk cut, from data[i]. nullopt: go on scanning at i;
// otherwise what check() returns.
std::optional<bool> TextFilter::resume_cut_character(std::string_view data, std::size_t& i, const Sink& sink)
{
    const std::uint64_t base = offset_;
    while (need_ > 0 && i < data.size()) {
        const auto b = static_cast<unsigned char>(data[i]);
        if (b < lo_ || b > hi_) {
            offset_ = base + i;
            return fail_utf8(base + i - pending_.size(), static_cast<unsigned char>(pending_[0]));
        }
        pending_.push_back(data[i]);
        ++i;
        --need_;
        lo_ = 0x80;
        hi_ = 0xBF;
    }
    offset_ = base + i;
    if (need_ > 0) return true;
    after_cr_ = false;
    if (!sink(pending_)) {
        stopped_ = true;
        return false;
    }
    pending_.clear();
    return std::nullopt;
}

bool TextFilter::check(std::string_view data, const Sink& sink)
{
    const std::uint64_t base = offset_;
    const std::size_t n = data.size();
    std::size_t i = 0;

    if (need_ > 0) {  // finish the character the previous chunk cut
        if (auto done = resume_cut_character(data, i, sink)) return *done;
    }

    std::size_t start = i;
    const auto flush = [&](std::size_t upto) {
        if (upto > start && !sink(data.substr(start, upto - start))) {
            stopped_ = true;
            return false;
        }
        start = upto;
        return true;
    };

    while (i < n) {
        const auto b = static_cast<unsigned char>(data[i]);
        if (b < 0x80) {
            std::size_t j = i;
            while (j < n && static_cast<unsigned char>(data[j]) < 0x80 && data[j] != '\0') {
                ++j;
            }
            count_lines(data.substr(i, j - i));
            i = j;
            if (i < n && data[i] == '\0') {
                if (!flush(i)) return false;
                offset_ = base + i;
                return fail_nul(base + i);
            }
            continue;
        }
        after_cr_ = false;
        const auto lead = utf8_lead(b);
        if (!lead) {
            if (!flush(i)) return false;
            offset_ = base + i;
            return fail_utf8(base + i, b);
        }
        const int len = lead->length;
        unsigned char lo = lead->lo, hi = lead->hi;
        std::size_t j = i + 1;
        int k = 1;
        while (k < len && j < n) {
            const auto c = static_cast<unsigned char>(data[j]);
            if (c < lo || c > hi) {
                if (!flush(i)) return false;
                offset_ = base + i;
                return fail_utf8(base + i, b);
            }
            lo = 0x80;
            hi = 0xBF;
            ++j;
            ++k;
        }
        if (k < len) {  // cut by the end of the chunk: hold it back
            if (!flush(i)) return false;
            pending_.assign(data.substr(i, j - i));
            need_ = len - k;
            lo_ = lo;
            hi_ = hi;
            offset_ = base + n;
            return true;
        }
        i = j;
    }
    offset_ = base + n;
    return flush(n);
}

}  // namespace xferd
