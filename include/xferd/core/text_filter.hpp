// The first stage of reading any batch file: checks that the bytes are UTF-8 text and passes
// them on, without the UTF-8 byte order mark Excel writes. Sans-I/O, fed in chunks.
//
// It hands on only whole UTF-8 characters (a multi-byte character split across two chunks is
// held back until it is complete), so the stages after it see the same text however the file
// was chunked. It stops at the first problem with a FileError that gives the byte offset
// (from the start of the file, BOM included) and the line:
// - invalid UTF-8 (a file saved as "CSV (Comma delimited)" in Windows-1252, say);
// - a NUL byte (a binary file, or UTF-16 without a BOM);
// - a UTF-16 byte order mark ("Unicode Text" export) or a ZIP signature (an .xlsx renamed).
#pragma once

#include "xferd/core/row.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace xferd {

class TextFilter {
public:
    // Gets checked text, in order; returns false to stop (the next stage found an error).
    using Sink = std::function<bool(std::string_view)>;

    // `save_advice` ends the not-UTF-8 message, e.g. "in Excel use Save As → CSV UTF-8".
    explicit TextFilter(std::string save_advice);

    // Returns false once there is an error (error() is set) or the sink returned false.
    bool feed(std::string_view chunk, const Sink& sink);
    // End of input: flushes what is held; a character cut off at the end is an error.
    bool finish(const Sink& sink);

    [[nodiscard]] const std::optional<FileError>& error() const { return error_; }
    // Whether the file started with a UTF-8 byte order mark (known after the first bytes).
    [[nodiscard]] bool had_bom() const { return bom_; }
    // Bytes of input taken so far.
    [[nodiscard]] std::uint64_t offset() const { return offset_; }

private:
    bool sniff(const Sink& sink);
    bool check(std::string_view data, const Sink& sink);
    std::optional<bool> resume_cut_character(std::string_view data, std::size_t& i, const Sink& sink);
    bool fail_utf8(std::uint64_t at, unsigned char byte);
    bool fail_nul(std::uint64_t at);
    void count_lines(std::string_view ascii_run);

    std::string advice_;
    std::string head_;            // the first bytes, until the BOM / signatures are decided
    bool sniffed_ = false;
    bool bom_ = false;
    std::string pending_;         // the start of a UTF-8 character cut by the chunk end
    int need_ = 0;                // continuation bytes still expected for pending_
    unsigned char lo_ = 0x80, hi_ = 0xBF;  // allowed range of the next continuation byte
    std::uint64_t offset_ = 0;    // file offset of the next byte to check
    std::uint64_t line_ = 1;
    bool after_cr_ = false;
    bool stopped_ = false;        // the sink said stop
    std::optional<FileError> error_;
};

}  // namespace xferd
