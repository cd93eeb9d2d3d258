// The records of a batch journal and their on-disk form (design.md § Exactly-once submission).
// Pure: bytes in, records out.
//
// One record per line: `<crc32c of the JSON, 8 lowercase hex digits> <compact JSON object>\n`.
// JSON escapes every control character, so a record never contains a raw newline. A record is
// durable once its '\n' is on disk; the checksum tells a half-written (torn) line from a good one.
//
// Reading: a last line without '\n', or a last line whose checksum or JSON is bad, is a torn
// tail (power lost mid-write): it is dropped and reported, never fatal. A bad line with good
// lines after it is corruption: an error naming the line, because records the program already
// acted on would otherwise be lost silently.
//
// The framing (`frame_line`, `LineDecoder`) is shared with the cross-batch ledger; the record
// types below are the journal's.
#pragma once

#include "xferd/core/error.hpp"
#include "xferd/core/row_state.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xferd {

// ---- framing: checksummed lines --------------------------------------------------------------

// CRC-32C (Castagnoli) of `bytes`.
std::uint32_t crc32c(std::string_view bytes);

// `json` (one line, no '\n') → "<crc hex8> <json>\n".
std::string frame_line(std::string_view json);

// Serialises `object` compactly and frames it. Strings that are not valid UTF-8 (an API error
// excerpt cut mid-character, say) are repaired with U+FFFD first, so every framed line parses back.
std::string frame_object(const boost::json::object& object);

// What was wrong with a line that is not a good record.
struct BadLine {
    std::size_t line = 0;        // 1-based
    std::uint64_t offset = 0;    // byte offset of the line's start
    std::string reason;          // "checksum mismatch", "no newline at the end", ...
};

// Splits framed bytes into checked JSON objects, fed in chunks of any size (a 64 KiB read
// buffer, or the whole file). Memory: the longest line, not the file.
class LineDecoder {
public:
    // Starts at byte `offset`, after `line` lines already read (to go on reading a file from
    // where an earlier pass stopped; offsets and line numbers stay those of the whole file).
    explicit LineDecoder(std::uint64_t offset = 0, std::size_t line = 0)
        : offset_(offset), good_bytes_(offset), lines_(line), good_lines_(line)
    {
    }

    // Gets each good line's object, in order, with its 1-based line number. Returning an Error
    // from the sink (the object is not a known record) stops decoding with that error, naming
    // the line.
    using Sink = std::function<Result<void>(std::size_t line, boost::json::object&&)>;

    // Error: a bad line followed by another line (corruption in the middle), or the sink's error.
    Result<void> feed(std::string_view chunk, const Sink& sink);

    // End of input. Returns the torn tail when there is one (everything from `torn->offset` on
    // should be cut away); nothing more is delivered.
    std::optional<BadLine> finish();

    // Bytes up to and including the last good line: the length to truncate a torn file to.
    [[nodiscard]] std::uint64_t good_bytes() const { return good_bytes_; }
    [[nodiscard]] std::size_t good_lines() const { return good_lines_; }

private:
    Result<void> take_line(std::string_view line, std::uint64_t length, const Sink& sink);

    std::string partial_;                 // bytes of a line not yet ended by '\n' (capped)
    std::uint64_t partial_length_ = 0;    // its real length
    std::optional<BadLine> pending_bad_;  // a bad line: torn if it stays the last one
    std::uint64_t offset_ = 0;            // bytes consumed into complete lines
    std::uint64_t good_bytes_ = 0;
    std::size_t lines_ = 0;
    std::size_t good_lines_ = 0;
};

// ---- journal records ------------------------------------------------------------------------

// How far the batch as a whole has got. Written after every row of a pass is journaled.
enum class BatchPhase { none, validated, confirmed, decided, reported, submitted, done };
std::string_view to_string(BatchPhase p);                  // "validated", …, "" for none
std::optional<BatchPhase> batch_phase_from(std::string_view name);

namespace journal {

// First record of every journal: which content this is.
struct Batch {
    std::string sha256;
    std::string input;   // the path it was dropped as
    std::string mode;    // approval mode: auto / manual / dry-run
    std::string at;      // ISO-8601 UTC
};
struct Phase {
    BatchPhase name = BatchPhase::none;
    std::string at;
};
// The batch gate's verdict (policy.hpp batch_gate).
struct Gate {
    bool hold = false;
    std::string message;
};

// Pass 1: the row as read from the input, and whether it is valid.
struct Validated {
    std::size_t row = 0;
    std::string external_order_number;
    std::string service_id;
    std::string service_number;
    std::string employee_email;
    std::string employee_id;
    bool valid = true;
    std::string reason;   // why it is invalid
};
// Pass 2: what the confirm call said (confirmed=false with `error` when it refused).
struct Confirmed {
    std::size_t row = 0;
    ConfirmationSummary summary;
};
struct Decided {
    std::size_t row = 0;
    Decision decision = Decision::pending;
    std::string reason;
};
// Written and fsync'd BEFORE the submit request is sent.
struct Submitting {
    std::size_t row = 0;
    std::string at;       // intent time, ISO-8601 UTC: reconciliation pages orders from here
};
// The final word on a row (status + message for the results).
struct Submitted {
    std::size_t row = 0;
    std::string order_id;
    std::string message;
};
struct Failed {
    std::size_t row = 0;
    std::string message;
};
struct InDoubt {
    std::size_t row = 0;
    std::string message;
};
struct NotSubmitted {
    std::size_t row = 0;
    std::string message;
};
// The service already has an order from an earlier batch (the ledger).
struct Duplicate {
    std::size_t row = 0;
    std::string order_id;
    std::string message;
};

}  // namespace journal

using JournalRecord =
    std::variant<journal::Batch, journal::Phase, journal::Gate, journal::Validated, journal::Confirmed,
                 journal::Decided, journal::Submitting, journal::Submitted, journal::Failed, journal::InDoubt,
                 journal::NotSubmitted, journal::Duplicate>;

// The record's "t": "batch", "phase", "gate", "validated", "confirmed", "decided", "submitting",
// "submitted", "failed", "in_doubt", "not_submitted", "duplicate".
std::string_view record_type(const JournalRecord& record);

boost::json::object to_json(const JournalRecord& record);
// Error: unknown "t" (a journal from a newer xferd?) or a missing/mistyped required field.
Result<JournalRecord> journal_record_from(const boost::json::object& object);

// One framed line: frame_object(to_json(record)).
std::string encode(const JournalRecord& record);

struct DecodedJournal {
    std::vector<JournalRecord> records;   // every good record, in order
    std::optional<BadLine> torn_tail;     // set when the last line was torn (and dropped)
    std::uint64_t good_bytes = 0;         // where a torn file should be cut
};
// The whole file's bytes → records. Error (naming the line): a bad line in the middle, or a
// well-framed line that is not a journal record.
Result<DecodedJournal> decode_journal(std::string_view bytes);

}  // namespace xferd
