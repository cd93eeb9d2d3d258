// Journal records: encoding, decoding (torn tails, corruption) and replay into row states.
#include <boost/test/unit_test.hpp>

#include "xferd/core/journal_record.hpp"
#include "xferd/core/journal_replay.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <ostream>

#include <string>
#include <vector>

using namespace xferd;
namespace json = boost::json;

namespace xferd {
// So failed assertions print names.
std::ostream& operator<<(std::ostream& os, BatchPhase p) { return os << "phase:" << to_string(p); }
std::ostream& operator<<(std::ostream& os, Decision d) { return os << "decision:" << to_string(d); }
std::ostream& operator<<(std::ostream& os, RowStatus s) { return os << "status:" << to_string(s); }
}  // namespace xferd

namespace {

ConfirmationSummary peter()
{
    ConfirmationSummary s;
    s.confirmed = true;
    s.account_holder = "Peter Edwards";
    s.account_holder_email = "peter.edwards@example.com";
    s.account_holder_id = "peter.edwards";
    s.account_holder_tangoe_id = "28691777";
    s.device = "Apple iPhone 7 Plus (32GB) - Silver";
    s.service_number = "2035551111";
    s.service_status = "ACTIVE";
    return s;
}

// One record of every type, with strings that need escaping.
std::vector<JournalRecord> every_record_type()
{
    return {
        journal::Batch{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "/srv/inbox/off\"boarding.csv",
                       "auto", "2026-11-30T12:59:58.120Z"},
        journal::Validated{3, "HR-1", "41000017", "2035551111", "peter.edwards@example.com", "E-17", true, ""},
        journal::Validated{4, "HR-2", "", "", "", "", false, "service_id is empty; fill the column"},
        journal::Phase{BatchPhase::validated, "2026-11-30T13:00:00Z"},
        journal::Confirmed{3, peter()},
        journal::Confirmed{5, [] { ConfirmationSummary s; s.error = "HTTP 400: serviceId 1 not found"; return s; }()},
        journal::Decided{3, Decision::approved, "all checks passed"},
        journal::Decided{5, Decision::rejected, "confirmation failed:\n\"quoted\"\ttab"},
        journal::Gate{false, "2 of 10 rows bad (20 %), limit 50 %"},
        journal::Phase{BatchPhase::reported, "2026-11-30T13:00:01Z"},
        journal::Submitting{3, "2026-11-30T13:00:02.345Z"},
        journal::Submitted{3, "13298555", "order 13298555 placed (ORDER_SUBMITTED)"},
        journal::Failed{6, "submit refused: HTTP 400 \u00e9t\u00e9"},
        journal::InDoubt{7, "timeout after the request was written; look up HR-7"},
        journal::NotSubmitted{8, "REJECTED: service status SUSPENDED"},
        journal::Duplicate{9, "13290001", "service 41000019 already has order 13290001 (batch abc, row 2)"},
        journal::Phase{BatchPhase::done, "2026-11-30T13:00:09Z"},
    };
}

std::string as_text(const JournalRecord& r) { return json::serialize(to_json(r)); }

std::string encode_all(const std::vector<JournalRecord>& records)
{
    std::string out;
    for (const auto& r : records) out += encode(r);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(encoding)

BOOST_AUTO_TEST_CASE(crc32c_matches_the_standard_check_value)
{
    // The CRC-32C check value from RFC 3720 / every CRC catalogue.
    BOOST_TEST(crc32c("123456789") == 0xE3069283u);
}

BOOST_AUTO_TEST_CASE(a_record_is_one_checksummed_line)
{
    const std::string line = encode(journal::Submitted{3, "13298555", "order 13298555 placed"});
    BOOST_TEST(line.back() == '\n');
    BOOST_TEST(line.find('\n') == line.size() - 1);
    BOOST_TEST(line.substr(8, 1) == " ");
    BOOST_TEST(line.substr(9, line.size() - 10) ==
               R"({"t":"submitted","row":3,"order_id":"13298555","message":"order 13298555 placed"})");
    // Newlines inside messages are escaped, never raw.
    const std::string multi = encode(journal::Failed{4, "line one\nline two\r\n"});
    BOOST_TEST(multi.find('\n') == multi.size() - 1);
}

BOOST_AUTO_TEST_CASE(every_record_type_round_trips)
{
    const auto records = every_record_type();
    const std::string bytes = encode_all(records);
    auto decoded = decode_journal(bytes);
    BOOST_TEST_REQUIRE(decoded.has_value());
    BOOST_TEST(!decoded->torn_tail.has_value());
    BOOST_TEST(decoded->good_bytes == bytes.size());
    BOOST_TEST_REQUIRE(decoded->records.size() == records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
        BOOST_TEST(decoded->records[i].index() == records[i].index());
        BOOST_TEST(as_text(decoded->records[i]) == as_text(records[i]));
    }
    // Every variant alternative is covered by the sample.
    std::vector<bool> seen(std::variant_size_v<JournalRecord>);
    for (const auto& r : records) seen[r.index()] = true;
    for (std::size_t i = 0; i < seen.size(); ++i) BOOST_TEST(seen[i], "record type " << i << " covered");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_in_a_message_is_repaired_so_the_line_reads_back)
{
    // An API error excerpt cut in the middle of "é" and a Latin-1 byte.
    const std::string line = encode(journal::Failed{2, std::string("HTTP 502: caf\xC3") + " na\xEFve"});
    auto decoded = decode_journal(line);
    BOOST_TEST_REQUIRE(decoded.has_value());
    BOOST_TEST_REQUIRE(decoded->records.size() == 1u);
    BOOST_TEST(std::get<journal::Failed>(decoded->records[0]).message ==
               "HTTP 502: caf\xEF\xBF\xBD na\xEF\xBF\xBDve");
}

BOOST_AUTO_TEST_CASE(fields_missing_from_a_record_read_as_empty)
{
    // A record from a writer that left optional fields out still reads.
    auto r = journal_record_from(json::parse(R"({"t":"confirmed","row":7,"ok":true})").as_object());
    BOOST_TEST_REQUIRE(r.has_value());
    const auto& c = std::get<journal::Confirmed>(*r);
    BOOST_TEST(c.row == 7u);
    BOOST_TEST(c.summary.confirmed);
    BOOST_TEST(c.summary.account_holder.empty());
}

BOOST_AUTO_TEST_CASE(records_that_make_no_sense_are_refused_with_a_reason)
{
    auto check = [](const char* text, const std::string& expect) {
        auto r = journal_record_from(json::parse(text).as_object());
        BOOST_TEST_REQUIRE(!r.has_value(), text);
        BOOST_TEST(r.error().message.find(expect) != std::string::npos, r.error().message);
    };
    check(R"({"t":"teleported","row":1})", "unknown record type \"teleported\"");
    check(R"({"row":1})", "without a type");
    check(R"({"t":"submitting","at":"x"})", "row");
    check(R"({"t":"submitting","row":0})", "row");
    check(R"({"t":"submitted","row":2})", "no order_id");
    check(R"({"t":"decided","row":2,"decision":"MAYBE"})", "unknown decision \"MAYBE\"");
    check(R"({"t":"phase","name":"lunch"})", "unknown phase \"lunch\"");
    check(R"({"t":"validated","row":2,"eon":17})", "\"eon\" is not a string");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(decoding)

BOOST_AUTO_TEST_CASE(a_cut_at_every_byte_keeps_exactly_the_complete_records_before_it)
{
    const std::vector<JournalRecord> records = {
        journal::Batch{"abc123", "in.csv", "auto", "2026-11-30T13:00:00Z"},
        journal::Validated{1, "HR-1", "41000017", "2035551111", "", "", true, ""},
        journal::Confirmed{1, peter()},
        journal::Decided{1, Decision::approved, "all checks passed"},
        journal::Submitting{1, "2026-11-30T13:00:02Z"},
    };
    const std::string bytes = encode_all(records);
    std::vector<std::size_t> line_ends;   // offset just past each '\n'
    for (std::size_t i = 0; i < bytes.size(); ++i)
        if (bytes[i] == '\n') line_ends.push_back(i + 1);
    BOOST_TEST_REQUIRE(line_ends.size() == records.size());

    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
        auto decoded = decode_journal(std::string_view(bytes).substr(0, cut));
        BOOST_TEST_REQUIRE(decoded.has_value(), "cut at " << cut);
        std::size_t complete = 0;
        std::size_t boundary = 0;
        for (auto end : line_ends)
            if (end <= cut) ++complete, boundary = end;
        BOOST_TEST(decoded->records.size() == complete, "cut at " << cut);
        for (std::size_t i = 0; i < complete && i < decoded->records.size(); ++i)
            BOOST_TEST(as_text(decoded->records[i]) == as_text(records[i]));
        BOOST_TEST(decoded->good_bytes == boundary, "cut at " << cut);
        BOOST_TEST(decoded->torn_tail.has_value() == (cut != boundary), "cut at " << cut);
        if (decoded->torn_tail) {
            BOOST_TEST(decoded->torn_tail->offset == boundary);
            BOOST_TEST(decoded->torn_tail->line == complete + 1);
        }
    }
}

BOOST_AUTO_TEST_CASE(chunking_does_not_change_the_result)
{
    const std::string bytes = encode_all(every_record_type()) + "0000";   // plus a torn start
    auto whole = decode_journal(bytes);
    BOOST_TEST_REQUIRE(whole.has_value());
    for (std::size_t chunk : {1u, 2u, 7u, 64u, 4096u}) {
        LineDecoder d;
        std::vector<std::string> got;
        for (std::size_t at = 0; at < bytes.size(); at += chunk) {
            auto r = d.feed(std::string_view(bytes).substr(at, chunk), [&](std::size_t, json::object&& o) {
                got.push_back(json::serialize(o));
                return Result<void>{};
            });
            BOOST_TEST_REQUIRE(r.has_value());
        }
        auto torn = d.finish();
        BOOST_TEST_REQUIRE(got.size() == whole->records.size(), "chunk " << chunk);
        for (std::size_t i = 0; i < got.size(); ++i) BOOST_TEST(got[i] == as_text(whole->records[i]));
        BOOST_TEST_REQUIRE(torn.has_value());
        BOOST_TEST(torn->offset == whole->torn_tail->offset);
        BOOST_TEST(d.good_bytes() == whole->good_bytes);
    }
}

BOOST_AUTO_TEST_CASE(a_damaged_last_line_is_a_torn_tail_not_an_error)
{
    const auto records = every_record_type();
    const std::string bytes = encode_all(records);
    const std::size_t last_start = bytes.rfind('\n', bytes.size() - 2) + 1;
    // Flip every byte of the last line (except its '\n') in turn: always a torn tail.
    for (std::size_t i = last_start; i + 1 < bytes.size(); ++i) {
        std::string damaged = bytes;
        damaged[i] = static_cast<char>(damaged[i] ^ 0x20);
        auto decoded = decode_journal(damaged);
        BOOST_TEST_REQUIRE(decoded.has_value(), "flip at " << i);
        BOOST_TEST(decoded->records.size() == records.size() - 1);
        BOOST_TEST_REQUIRE(decoded->torn_tail.has_value());
        BOOST_TEST(decoded->torn_tail->offset == last_start);
        BOOST_TEST(decoded->torn_tail->line == records.size());
    }
    // A block of zeros where the last write should be (ext4 after a crash) is torn, too.
    auto zeros = decode_journal(bytes + std::string(300, '\0'));
    BOOST_TEST_REQUIRE(zeros.has_value());
    BOOST_TEST(zeros->records.size() == records.size());
    BOOST_TEST(zeros->torn_tail.has_value());
}

BOOST_AUTO_TEST_CASE(damage_in_the_middle_is_an_error_naming_the_line)
{
    const auto records = every_record_type();
    std::string bytes = encode_all(records);
    // Damage line 3.
    std::size_t line3 = 0;
    for (int n = 0; n < 2; ++n) line3 = bytes.find('\n', line3) + 1;
    bytes[line3 + 20] = static_cast<char>(bytes[line3 + 20] ^ 0x01);
    auto decoded = decode_journal(bytes);
    BOOST_TEST_REQUIRE(!decoded.has_value());
    const auto& m = decoded.error().message;
    BOOST_TEST(m.find("line 3 ") != std::string::npos, m);
    BOOST_TEST(m.find("checksum mismatch") != std::string::npos, m);
    BOOST_TEST(m.find("corrupt") != std::string::npos, m);
}

BOOST_AUTO_TEST_CASE(a_well_framed_line_of_an_unknown_record_is_an_error_naming_the_line)
{
    std::string bytes = encode(journal::Batch{"abc", "in.csv", "auto", "t"});
    bytes += frame_line(R"({"t":"teleported","row":1})");
    auto decoded = decode_journal(bytes);
    BOOST_TEST_REQUIRE(!decoded.has_value());
    BOOST_TEST(decoded.error().message.find("line 2: unknown record type") != std::string::npos,
               decoded.error().message);
}

BOOST_AUTO_TEST_CASE(an_empty_file_is_an_empty_journal)
{
    auto decoded = decode_journal("");
    BOOST_TEST_REQUIRE(decoded.has_value());
    BOOST_TEST(decoded->records.empty());
    BOOST_TEST(!decoded->torn_tail.has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(replaying)

namespace {

std::vector<JournalRecord> approved_row_up_to_submitting(std::size_t row, const std::string& at)
{
    return {
        journal::Validated{row, "HR-" + std::to_string(row), "4100001" + std::to_string(row), "2035551111",
                           "peter.edwards@example.com", "", true, ""},
        journal::Confirmed{row, peter()},
        journal::Decided{row, Decision::approved, "all checks passed"},
        journal::Submitting{row, at},
    };
}

}  // namespace

BOOST_AUTO_TEST_CASE(submitting_without_an_outcome_needs_reconciliation)
{
    std::vector<JournalRecord> records{journal::Batch{"abc", "in.csv", "auto", "2026-11-30T12:59:59Z"}};
    for (auto& r : approved_row_up_to_submitting(1, "2026-11-30T13:00:00Z")) records.push_back(r);
    records.push_back(journal::Phase{BatchPhase::reported, "2026-11-30T13:00:00Z"});

    const auto state = replay(records);
    BOOST_TEST(state.phase == BatchPhase::reported);
    BOOST_TEST_REQUIRE(state.rows.size() == 1u);
    const auto& row = state.rows[0];
    BOOST_TEST(row.row == 1u);
    BOOST_TEST(row.external_order_number == "HR-1");
    BOOST_TEST(row.confirmation.account_holder == "Peter Edwards");
    BOOST_TEST(row.confirmation.device == "Apple iPhone 7 Plus (32GB) - Silver");
    BOOST_TEST(row.decision == Decision::approved);
    BOOST_TEST(row.status == RowStatus::pending);
    BOOST_TEST(row.order_id.empty());
    BOOST_TEST_REQUIRE(state.needs_reconciliation.count(1) == 1u);
    BOOST_TEST(state.needs_reconciliation.at(1).at == "2026-11-30T13:00:00Z");
    BOOST_TEST(state.needs_reconciliation.at(1).first_at == "2026-11-30T13:00:00Z");
    BOOST_TEST(state.needs_reconciliation.at(1).attempts == 1u);
    BOOST_TEST(state.anomalies.empty());
}

BOOST_AUTO_TEST_CASE(replay_table)
{
    struct Case {
        const char* name;
        std::vector<JournalRecord> after_submitting;   // appended to validated→…→submitting
        RowStatus status;
        std::string order_id;
        std::string message;
        bool needs_reconciliation;
        bool in_doubt;
    };
    const std::vector<Case> cases = {
        {"crash after intent", {}, RowStatus::pending, "", "", true, false},
        {"submitted", {journal::Submitted{1, "13298555", "order 13298555 placed (ORDER_SUBMITTED)"}},
         RowStatus::submitted, "13298555", "order 13298555 placed (ORDER_SUBMITTED)", false, false},
        {"submitted, no message", {journal::Submitted{1, "13298555", ""}}, RowStatus::submitted, "13298555",
         "order 13298555 placed", false, false},
        {"refused", {journal::Failed{1, "submit refused: HTTP 400"}}, RowStatus::failed, "",
         "submit refused: HTTP 400", false, false},
        {"in doubt", {journal::InDoubt{1, "timeout after the request was written"}}, RowStatus::in_doubt, "",
         "timeout after the request was written", false, true},
        {"in doubt, reconciled: found",
         {journal::InDoubt{1, "timeout"}, journal::Submitted{1, "13298600", "found by reconciliation"}},
         RowStatus::submitted, "13298600", "found by reconciliation", false, false},
        {"in doubt, reconciled: absent, resubmitted, crash",
         {journal::InDoubt{1, "timeout"}, journal::Submitting{1, "2026-11-30T14:00:00Z"}}, RowStatus::pending, "",
         "", true, false},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name)
        {
            auto records = approved_row_up_to_submitting(1, "2026-11-30T13:00:00Z");
            for (const auto& r : c.after_submitting) records.push_back(r);
            const auto state = replay(records);
            BOOST_TEST_REQUIRE(state.rows.size() == 1u);
            const auto& row = state.rows[0];
            BOOST_TEST(row.decision == Decision::approved);
            BOOST_TEST(row.status == c.status);
            BOOST_TEST(row.order_id == c.order_id);
            BOOST_TEST(row.message == c.message);
            BOOST_TEST(state.needs_reconciliation.count(1) == std::size_t{c.needs_reconciliation});
            BOOST_TEST(state.in_doubt.count(1) == std::size_t{c.in_doubt});
            BOOST_TEST(state.anomalies.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(a_second_attempt_keeps_the_first_intent_time)
{
    auto records = approved_row_up_to_submitting(2, "2026-11-30T13:00:00Z");
    records.push_back(journal::InDoubt{2, "reset after the request was written"});
    records.push_back(journal::Submitting{2, "2026-11-30T13:05:00Z"});
    const auto state = replay(records);
    BOOST_TEST_REQUIRE(state.needs_reconciliation.count(2) == 1u);
    const auto& intent = state.needs_reconciliation.at(2);
    BOOST_TEST(intent.first_at == "2026-11-30T13:00:00Z");
    BOOST_TEST(intent.at == "2026-11-30T13:05:00Z");
    BOOST_TEST(intent.attempts == 2u);
}

BOOST_AUTO_TEST_CASE(a_whole_batch_replays_into_the_rows_reports_are_written_from)
{
    const auto state = replay(every_record_type());
    BOOST_TEST_REQUIRE(state.batch.has_value());
    BOOST_TEST(state.batch->mode == "auto");
    BOOST_TEST(state.phase == BatchPhase::done);
    BOOST_TEST_REQUIRE(state.gate.has_value());
    BOOST_TEST(!state.gate->hold);
    // Rows 3..9 appear, in row order (rows 1, 2 never had a record).
    std::vector<std::size_t> numbers;
    for (const auto& r : state.rows) numbers.push_back(r.row);
    BOOST_TEST(numbers == (std::vector<std::size_t>{3, 4, 5, 6, 7, 8, 9}), boost::test_tools::per_element());

    const auto& invalid = state.rows[1];
    BOOST_TEST(invalid.decision == Decision::invalid);
    BOOST_TEST(invalid.status == RowStatus::not_submitted);
    BOOST_TEST(invalid.message == "INVALID: service_id is empty; fill the column");

    const auto& rejected = state.rows[2];
    BOOST_TEST(!rejected.confirmation.confirmed);
    BOOST_TEST(rejected.confirmation.error == "HTTP 400: serviceId 1 not found");
    BOOST_TEST(rejected.decision == Decision::rejected);

    const auto& dup = state.rows[6];
    BOOST_TEST(dup.status == RowStatus::duplicate);
    BOOST_TEST(dup.order_id == "13290001");

    // Rows 5..9 had row records before any validated record, row 7 is IN_DOUBT without an
    // intent: the replay says so.
    BOOST_TEST(state.anomalies.size() == 6u);
    BOOST_TEST(state.anomalies[0] == "row 5: \"confirmed\" record before any \"validated\" record");
    // Row 7 is in doubt without an intent: noted, not reconcilable from the journal.
    BOOST_TEST(state.in_doubt.empty());
    BOOST_TEST(state.records == every_record_type().size());
}

BOOST_AUTO_TEST_SUITE_END()
