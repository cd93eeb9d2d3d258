#include "xferd/core/journal_record.hpp"

#include <boost/crc.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <iterator>
#include <utility>

namespace xferd {

namespace json = boost::json;

namespace {

// Rows are numbered from 1 in input order; a number beyond this is not one xferd wrote.
constexpr std::uint64_t max_row_number = 100'000'000;

// A line longer than this is not one xferd wrote (records are a few hundred bytes; the longest
// fields are capped by limits.max_field_bytes, 64 KiB by default).
constexpr std::size_t max_line_bytes = 4 * 1024 * 1024;

bool is_hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// Replaces every invalid UTF-8 sequence with U+FFFD (the JSON parser would refuse it on reading).
std::string valid_utf8(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = 0;
        char32_t min = 0;
        if (c < 0x80) len = 1;
        else if ((c & 0xE0) == 0xC0) len = 2, min = 0x80;
        else if ((c & 0xF0) == 0xE0) len = 3, min = 0x800;
        else if ((c & 0xF8) == 0xF0) len = 4, min = 0x10000;
        bool ok = len > 0 && i + len <= s.size();
        char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
        for (std::size_t k = 1; ok && k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) ok = false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (ok && len > 1 && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
        if (ok) {
            out.append(s.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

bool needs_repair(std::string_view s)
{
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return true;
    return false;
}

void repair_strings(json::value& v)
{
    if (auto* s = v.if_string()) {
        if (needs_repair(*s) && valid_utf8(*s) != std::string_view(*s)) *s = valid_utf8(*s);
    } else if (auto* o = v.if_object()) {
        for (auto& kv : *o) repair_strings(kv.value());
    } else if (auto* a = v.if_array()) {
        for (auto& e : *a) repair_strings(e);
    }
}

std::string hex8(std::uint32_t v)
{
    std::array<char, 8> buf{};
    static constexpr char digits[] = "0123456789abcdef";
    for (int i = 7; i >= 0; --i) {
        buf[static_cast<std::size_t>(i)] = digits[v & 0xF];
        v >>= 4;
    }
    return std::string(buf.data(), buf.size());
}

}  // namespace

// ---- framing ----------------------------------------------------------------------------------

std::uint32_t crc32c(std::string_view bytes)
{
    // Reflected CRC-32C, as in iSCSI, ext4 and LevelDB logs.
    boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
    crc.process_bytes(bytes.data(), bytes.size());
    return crc.checksum();
}

std::string frame_line(std::string_view json_text)
{
    std::string out;
    out.reserve(json_text.size() + 10);
    out += hex8(crc32c(json_text));
    out += ' ';
    out += json_text;
    out += '\n';
    return out;
}

std::string frame_object(const json::object& object)
{
    json::value v = object;
    repair_strings(v);
    return frame_line(json::serialize(v));
}

Result<void> LineDecoder::feed(std::string_view chunk, const Sink& sink)
{
    while (!chunk.empty()) {
        const auto nl = chunk.find('\n');
        const std::string_view piece = chunk.substr(0, nl);   // up to the '\n', or everything
        if (nl == std::string_view::npos || partial_length_ > 0) {
            // Held back until its '\n' arrives. Only the first max_line_bytes are kept: a longer
            // line cannot be a record, and memory stays bounded whatever the file holds.
            const std::size_t room = max_line_bytes + 1 - std::min(max_line_bytes + 1, partial_.size());
            partial_.append(piece.substr(0, room));
            partial_length_ += piece.size();
            if (nl == std::string_view::npos) break;
            auto r = take_line(partial_, partial_length_, sink);
            partial_.clear();
            partial_length_ = 0;
            if (!r) return r;
        } else {
            auto r = take_line(piece, piece.size(), sink);
            if (!r) return r;
        }
        chunk.remove_prefix(nl + 1);
    }
    return {};
}

Result<void> LineDecoder::take_line(std::string_view line, std::uint64_t length, const Sink& sink)
{
    const std::uint64_t start = offset_;
    offset_ += length + 1;
    ++lines_;
    std::string reason;
    json::object object;
    if (length > max_line_bytes) {
        reason = "line longer than " + std::to_string(max_line_bytes) + " bytes";
    } else if (line.size() < 11 || line[8] != ' ') {
        reason = "not a checksummed record";
    } else {
        std::uint32_t stored = 0;
        bool hex = true;
        for (char c : line.substr(0, 8)) {
            if (!is_hex_digit(c)) hex = false;
            stored = (stored << 4) | static_cast<std::uint32_t>(c <= '9' ? c - '0' : c - 'a' + 10);
        }
        const std::string_view body = line.substr(9);
        if (!hex) {
            reason = "not a checksummed record";
        } else if (crc32c(body) != stored) {
            reason = "checksum mismatch";
        } else {
            json::parse_options opt;
            opt.allow_invalid_utf8 = true;   // frame_object repairs; an old line must still load
            boost::system::error_code ec;
            auto v = json::parse(body, ec, {}, opt);
            if (ec || !v.is_object()) reason = "checksum good but not a JSON object";
            else object = std::move(v.as_object());
        }
    }
    if (!reason.empty()) {
        // Keep the first bad line: torn if nothing good follows it.
        if (!pending_bad_) pending_bad_ = BadLine{lines_, start, reason};
        return {};
    }
    if (pending_bad_) {
        const auto& bad = *pending_bad_;
        return make_error("line " + std::to_string(bad.line) + " (byte " + std::to_string(bad.offset) +
                          ") is damaged (" + bad.reason + ") and good records follow it at line " +
                          std::to_string(lines_) + "; the file is corrupt, not just cut short");
    }
    good_bytes_ = offset_;
    ++good_lines_;
    if (auto r = sink(lines_, std::move(object)); !r)
        return make_error("line " + std::to_string(lines_) + ": " + r.error().message);
    return {};
}

std::optional<BadLine> LineDecoder::finish()
{
    if (partial_length_ > 0 && !pending_bad_)
        pending_bad_ = BadLine{lines_ + 1, offset_, "the last line has no newline (a write cut short)"};
    partial_.clear();
    partial_length_ = 0;
    return std::exchange(pending_bad_, std::nullopt);
}

// ---- journal records --------------------------------------------------------------------------

std::string_view to_string(BatchPhase p)
{
    switch (p) {
    case BatchPhase::validated: return "validated";
    case BatchPhase::confirmed: return "confirmed";
    case BatchPhase::decided: return "decided";
    case BatchPhase::reported: return "reported";
    case BatchPhase::submitted: return "submitted";
    case BatchPhase::done: return "done";
    case BatchPhase::none: break;
    }
    return "";
}

std::optional<BatchPhase> batch_phase_from(std::string_view name)
{
    for (auto p : {BatchPhase::validated, BatchPhase::confirmed, BatchPhase::decided, BatchPhase::reported,
                   BatchPhase::submitted, BatchPhase::done})
        if (to_string(p) == name) return p;
    return std::nullopt;
}

namespace {

std::optional<Decision> decision_from(std::string_view s)
{
    for (auto d : {Decision::pending, Decision::approved, Decision::rejected, Decision::invalid})
        if (to_string(d) == s) return d;
    return std::nullopt;
}

struct ToJson {
    json::object o;

    void put(std::string_view key, const std::string& value) { o[key] = value; }
    void row(std::string_view type, std::size_t row)
    {
        o["t"] = type;
        o["row"] = static_cast<std::uint64_t>(row);
    }

    void operator()(const journal::Batch& r)
    {
        o["t"] = "batch";
        o["v"] = 1;   // format version
        put("sha256", r.sha256);
        put("input", r.input);
        put("mode", r.mode);
        put("at", r.at);
    }
    void operator()(const journal::Phase& r)
    {
        o["t"] = "phase";
        o["name"] = to_string(r.name);
        put("at", r.at);
    }
    void operator()(const journal::Gate& r)
    {
        o["t"] = "gate";
        o["hold"] = r.hold;
        put("message", r.message);
    }
    void operator()(const journal::Validated& r)
    {
        row("validated", r.row);
        put("eon", r.external_order_number);
        put("sid", r.service_id);
        put("sn", r.service_number);
        put("email", r.employee_email);
        put("eid", r.employee_id);
        o["valid"] = r.valid;
        put("reason", r.reason);
    }
    void operator()(const journal::Confirmed& r)
    {
        row("confirmed", r.row);
        const auto& s = r.summary;
        o["ok"] = s.confirmed;
        put("holder", s.account_holder);
        put("holder_email", s.account_holder_email);
        put("holder_id", s.account_holder_id);
        put("holder_tid", s.account_holder_tangoe_id);
        put("device", s.device);
        put("sn", s.service_number);
        put("svc_status", s.service_status);
        put("error", s.error);
    }
    void operator()(const journal::Decided& r)
    {
        row("decided", r.row);
        o["decision"] = to_string(r.decision);
        put("reason", r.reason);
    }
    void operator()(const journal::Submitting& r)
    {
        row("submitting", r.row);
        put("at", r.at);
    }
    void operator()(const journal::Submitted& r)
    {
        row("submitted", r.row);
        put("order_id", r.order_id);
        put("message", r.message);
    }
    void operator()(const journal::Failed& r)
    {
        row("failed", r.row);
        put("message", r.message);
    }
    void operator()(const journal::InDoubt& r)
    {
        row("in_doubt", r.row);
        put("message", r.message);
    }
    void operator()(const journal::NotSubmitted& r)
    {
        row("not_submitted", r.row);
        put("message", r.message);
    }
    void operator()(const journal::Duplicate& r)
    {
        row("duplicate", r.row);
        put("order_id", r.order_id);
        put("message", r.message);
    }
};

// Reads fields of one record; the first problem is kept in `error`. Missing optional strings
// are empty (older or newer writers may leave a field out); a field of the wrong type is an error.
struct FieldReader {
    const json::object& o;
    std::string error;

    std::string str(std::string_view key)
    {
        auto* v = o.if_contains(key);
        if (!v || v->is_null()) return {};
        if (auto* s = v->if_string()) return std::string(*s);
        fail("field \"" + std::string(key) + "\" is not a string");
        return {};
    }
    bool boolean(std::string_view key, bool fallback)
    {
        auto* v = o.if_contains(key);
        if (!v) return fallback;
        if (auto* b = v->if_bool()) return *b;
        fail("field \"" + std::string(key) + "\" is not true/false");
        return fallback;
    }
    std::size_t row()
    {
        auto* v = o.if_contains("row");
        std::uint64_t n = 0;
        if (v && v->is_uint64()) n = v->as_uint64();
        else if (v && v->is_int64() && v->as_int64() > 0) n = static_cast<std::uint64_t>(v->as_int64());
        if (n < 1 || n > max_row_number) fail("field \"row\" is missing or not a row number");
        return static_cast<std::size_t>(n);
    }
    void fail(std::string message)
    {
        if (error.empty()) error = std::move(message);
    }
};

}  // namespace

std::string_view record_type(const JournalRecord& record)
{
    static constexpr std::string_view names[] = {"batch",      "phase",     "gate",   "validated",
                                                 "confirmed",  "decided",   "submitting",
                                                 "submitted",  "failed",    "in_doubt",
                                                 "not_submitted", "duplicate"};
    static_assert(std::size(names) == std::variant_size_v<JournalRecord>);
    return names[record.index()];
}

json::object to_json(const JournalRecord& record)
{
    ToJson out;
    std::visit(out, record);
    return std::move(out.o);
}

std::string encode(const JournalRecord& record) { return frame_object(to_json(record)); }

Result<JournalRecord> journal_record_from(const json::object& o)
{
    FieldReader f{o, {}};
    const std::string t = f.str("t");
    auto done = [&](JournalRecord r) -> Result<JournalRecord> {
        if (!f.error.empty()) return make_error("\"" + t + "\" record: " + f.error);
        return r;
    };
    if (t == "batch") return done(journal::Batch{f.str("sha256"), f.str("input"), f.str("mode"), f.str("at")});
    if (t == "phase") {
        const std::string name = f.str("name");
        auto p = batch_phase_from(name);
        if (!p) f.fail("unknown phase \"" + name + "\"");
        return done(journal::Phase{p.value_or(BatchPhase::none), f.str("at")});
    }
    if (t == "gate") return done(journal::Gate{f.boolean("hold", false), f.str("message")});
    if (t == "validated") {
        journal::Validated r;
        r.row = f.row();
        r.external_order_number = f.str("eon");
        r.service_id = f.str("sid");
        r.service_number = f.str("sn");
        r.employee_email = f.str("email");
        r.employee_id = f.str("eid");
        r.valid = f.boolean("valid", true);
        r.reason = f.str("reason");
        return done(r);
    }
    if (t == "confirmed") {
        journal::Confirmed r;
        r.row = f.row();
        auto& s = r.summary;
        s.confirmed = f.boolean("ok", false);
        s.account_holder = f.str("holder");
        s.account_holder_email = f.str("holder_email");
        s.account_holder_id = f.str("holder_id");
        s.account_holder_tangoe_id = f.str("holder_tid");
        s.device = f.str("device");
        s.service_number = f.str("sn");
        s.service_status = f.str("svc_status");
        s.error = f.str("error");
        return done(r);
    }
    if (t == "decided") {
        journal::Decided r;
        r.row = f.row();
        const std::string d = f.str("decision");
        auto decision = decision_from(d);
        if (!decision) f.fail("unknown decision \"" + d + "\"");
        r.decision = decision.value_or(Decision::pending);
        r.reason = f.str("reason");
        return done(r);
    }
    if (t == "submitting") {
        journal::Submitting r;
        r.row = f.row();
        r.at = f.str("at");
        return done(r);
    }
    if (t == "submitted") {
        journal::Submitted r;
        r.row = f.row();
        r.order_id = f.str("order_id");
        r.message = f.str("message");
        if (r.order_id.empty()) f.fail("no order_id");
        return done(r);
    }
    if (t == "duplicate") {
        journal::Duplicate r;
        r.row = f.row();
        r.order_id = f.str("order_id");
        r.message = f.str("message");
        return done(r);
    }
    if (t == "failed") {
        std::size_t row = f.row();
        return done(journal::Failed{row, f.str("message")});
    }
    if (t == "in_doubt") {
        std::size_t row = f.row();
        return done(journal::InDoubt{row, f.str("message")});
    }
    if (t == "not_submitted") {
        std::size_t row = f.row();
        return done(journal::NotSubmitted{row, f.str("message")});
    }
    if (t.empty()) return make_error("record without a type (\"t\")");
    return make_error("unknown record type \"" + t + "\" (written by a newer xferd?)");
}

Result<DecodedJournal> decode_journal(std::string_view bytes)
{
    DecodedJournal out;
    LineDecoder decoder;
    auto fed = decoder.feed(bytes, [&](std::size_t, json::object&& o) -> Result<void> {
        auto r = journal_record_from(o);
        if (!r) return r.error();
        out.records.push_back(std::move(*r));
        return {};
    });
    if (!fed) return fed.error();
    out.torn_tail = decoder.finish();
    out.good_bytes = decoder.good_bytes();
    return out;
}

}  // namespace xferd
