// The batch journal and the cross-batch ledger on real files: durability bookkeeping, reopen
// and replay, torn tails cut on open, corruption refused, locking, duplicates across batches.
#include <boost/test/unit_test.hpp>

#include "xferd/store/journal.hpp"
#include "xferd/store/ledger.hpp"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace xferd;
namespace fs = std::filesystem;

namespace xferd {
std::ostream& operator<<(std::ostream& os, BatchPhase p) { return os << "phase:" << to_string(p); }
std::ostream& operator<<(std::ostream& os, RowStatus s) { return os << "status:" << to_string(s); }
std::ostream& operator<<(std::ostream& os, ClaimResult::Kind k) { return os << "claim:" << static_cast<int>(k); }
std::ostream& operator<<(std::ostream& os, LedgerBatchState s) { return os << to_string(s); }
std::ostream& operator<<(std::ostream& os, const ServiceOwner& o)
{
    return os << o.sha256 << " row " << o.row << " " << o.external_order_number;
}
}  // namespace xferd

namespace {

// A fresh folder under $TMPDIR, removed at the end of the test.
struct TempDir {
    fs::path path;
    TempDir()
    {
        std::string templ = (fs::temp_directory_path() / "xferd-journal-XXXXXX").string();
        if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
        path = templ;
    }
    ~TempDir()
    {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::string read_file(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const fs::path& p, const std::string& bytes)
{
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << bytes;
}

std::vector<JournalRecord> one_row_to_submitting()
{
    ConfirmationSummary s;
    s.confirmed = true;
    s.account_holder = "Peter Edwards";
    s.service_number = "2035551111";
    s.service_status = "ACTIVE";
    return {
        journal::Batch{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "/srv/inbox/a.csv", "auto",
                       "2026-11-30T13:00:00Z"},
        journal::Validated{1, "HR-1", "41000017", "2035551111", "", "", true, ""},
        journal::Confirmed{1, s},
        journal::Decided{1, Decision::approved, "all checks passed"},
        journal::Submitting{1, "2026-11-30T13:00:05Z"},
    };
}

const ServiceOwner batch_a_row_3{"aaaaaaaaaaaa1111", 3, "HR-3"};
const ServiceOwner batch_b_row_1{"bbbbbbbbbbbb2222", 1, "HR-B1"};

}  // namespace

BOOST_AUTO_TEST_SUITE(journal_file)

BOOST_AUTO_TEST_CASE(records_survive_a_reopen_and_replay_to_the_same_state)
{
    TempDir dir;
    const fs::path path = dir.path / "journal";
    {
        auto j = Journal::open(path);
        BOOST_TEST_REQUIRE(j.has_value(), j.error().message);
        BOOST_TEST(j->records() == 0u);
        BOOST_TEST(!j->repaired_tail().has_value());
        const auto records = one_row_to_submitting();
        BOOST_TEST_REQUIRE(j->append(records[0]).has_value());
        BOOST_TEST(j->syncs() == 1u);
        // Several records, one sync.
        BOOST_TEST_REQUIRE(j->append_many(std::span(records).subspan(1)).has_value());
        BOOST_TEST(j->syncs() == 2u);
        BOOST_TEST(j->records() == records.size());
        // Durable means on disk now, not when the object goes away.
        BOOST_TEST(read_file(path).size() == j->size_bytes());
        BOOST_TEST(j->state().needs_reconciliation.count(1) == 1u);
    }
    struct stat st {};
    BOOST_TEST_REQUIRE(::stat(path.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777 & ~0640) == 0u, "journal holds personal data: no more than 0640");

    auto j = Journal::open(path);
    BOOST_TEST_REQUIRE(j.has_value(), j.error().message);
    auto state = j->state();
    BOOST_TEST(state.records == 5u);
    BOOST_TEST_REQUIRE(state.batch.has_value());
    BOOST_TEST(state.batch->input == "/srv/inbox/a.csv");
    BOOST_TEST_REQUIRE(state.needs_reconciliation.count(1) == 1u);
    BOOST_TEST(state.needs_reconciliation.at(1).at == "2026-11-30T13:00:05Z");

    // The batch goes on after the reopen.
    BOOST_TEST_REQUIRE(j->append(journal::Submitted{1, "13298555", "found by reconciliation"}).has_value());
    BOOST_TEST_REQUIRE(j->append(journal::Phase{BatchPhase::done, "2026-11-30T13:01:00Z"}).has_value());
    state = j->state();
    BOOST_TEST(state.needs_reconciliation.empty());
    BOOST_TEST(state.rows.at(0).status == RowStatus::submitted);
    BOOST_TEST(state.rows.at(0).order_id == "13298555");
    BOOST_TEST(state.phase == BatchPhase::done);
}

// Every byte offset is covered by the pure decoder test (test_journal_record); on disk, where
// each open costs fdatasyncs, the cuts are every line boundary, one byte either side of it, and
// every 9th byte.
BOOST_AUTO_TEST_CASE(a_torn_tail_is_cut_on_open_and_the_journal_goes_on)
{
    TempDir dir;
    const auto records = one_row_to_submitting();
    std::string bytes;
    for (const auto& r : records) bytes += encode(r);
    std::vector<std::size_t> ends;
    for (std::size_t i = 0; i < bytes.size(); ++i)
        if (bytes[i] == '\n') ends.push_back(i + 1);

    const fs::path path = dir.path / "journal";
    std::set<std::size_t> cuts{0, bytes.size()};
    for (auto e : ends)
        for (std::size_t c : {e - 1, e, e + 1})
            if (c <= bytes.size()) cuts.insert(c);
    for (std::size_t c = 0; c <= bytes.size(); c += 9) cuts.insert(c);
    for (std::size_t cut : cuts) {
        write_file(path, bytes.substr(0, cut));
        std::size_t complete = 0, boundary = 0;
        for (auto e : ends)
            if (e <= cut) ++complete, boundary = e;
        {
            auto j = Journal::open(path);
            BOOST_TEST_REQUIRE(j.has_value(), "cut " << cut << ": " << j.error().message);
            BOOST_TEST(j->records() == complete, "cut " << cut);
            BOOST_TEST(j->repaired_tail().has_value() == (cut != boundary), "cut " << cut);
            BOOST_TEST(fs::file_size(path) == boundary, "cut " << cut);
            BOOST_TEST_REQUIRE(j->append(journal::Failed{9, "after the cut"}).has_value());
        }
        // The record appended after the repair follows the last good line: a clean journal.
        auto again = Journal::open(path);
        BOOST_TEST_REQUIRE(again.has_value(), "cut " << cut << ": " << again.error().message);
        BOOST_TEST(!again->repaired_tail().has_value());
        BOOST_TEST(again->records() == complete + 1, "cut " << cut);
    }
}

BOOST_AUTO_TEST_CASE(damage_in_the_middle_refuses_to_resume_and_names_the_line)
{
    TempDir dir;
    const fs::path path = dir.path / "journal";
    std::string bytes;
    for (const auto& r : one_row_to_submitting()) bytes += encode(r);
    const std::size_t line2 = bytes.find('\n') + 1;
    bytes[line2 + 15] = 'X';
    write_file(path, bytes);
    auto j = Journal::open(path);
    BOOST_TEST_REQUIRE(!j.has_value());
    const auto& m = j.error().message;
    BOOST_TEST(m.find(path.string()) != std::string::npos, m);
    BOOST_TEST(m.find("line 2 ") != std::string::npos, m);
    BOOST_TEST(m.find("not resumed") != std::string::npos, m);
    // Nothing was cut away: the evidence stays for the operator.
    BOOST_TEST(read_file(path) == bytes);
}

BOOST_AUTO_TEST_CASE(a_journal_is_driven_by_one_process_at_a_time)
{
    TempDir dir;
    const fs::path path = dir.path / "journal";
    auto first = Journal::open(path);
    BOOST_TEST_REQUIRE(first.has_value());
    auto second = Journal::open(path);
    BOOST_TEST_REQUIRE(!second.has_value());
    BOOST_TEST(second.error().message.find("in use by another xferd process") != std::string::npos);
    first = Journal::open(dir.path / "other");   // releases the lock on `path`
    BOOST_TEST_REQUIRE(first.has_value());
    BOOST_TEST(Journal::open(path).has_value());
}

BOOST_AUTO_TEST_CASE(append_cost_is_one_fdatasync)
{
    TempDir dir;
    auto j = Journal::open(dir.path / "journal");
    BOOST_TEST_REQUIRE(j.has_value());
    constexpr int n = 200;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 1; i <= n; ++i)
        BOOST_TEST_REQUIRE(j->append(journal::Submitting{static_cast<std::size_t>(i), "2026-11-30T13:00:00Z"}).has_value());
    auto t1 = std::chrono::steady_clock::now();
    std::vector<JournalRecord> many;
    for (int i = 1; i <= n; ++i) many.push_back(journal::Submitted{static_cast<std::size_t>(i), "1329" + std::to_string(i), ""});
    BOOST_TEST_REQUIRE(j->append_many(many).has_value());
    auto t2 = std::chrono::steady_clock::now();
    BOOST_TEST(j->syncs() == static_cast<std::uint64_t>(n + 1));
    using us = std::chrono::microseconds;
    BOOST_TEST_MESSAGE("journal append+fdatasync: " << std::chrono::duration_cast<us>(t1 - t0).count() / n
                                                    << " us per record one at a time; " << n << " records in one append_many: "
                                                    << std::chrono::duration_cast<us>(t2 - t1).count() << " us ("
                                                    << dir.path << ")");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ledger)

BOOST_AUTO_TEST_CASE(the_same_content_is_a_duplicate_once_done_even_after_a_restart)
{
    TempDir dir;
    const std::string sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    {
        auto ledger = Ledger::open(dir.path);
        BOOST_TEST_REQUIRE(ledger.has_value(), ledger.error().message);
        auto first = ledger->begin_batch(sha, "/inbox/offboarding.csv", "2026-11-30T13:00:00Z");
        BOOST_TEST_REQUIRE(first.has_value());
        BOOST_TEST(!first->has_value());
        // Started but not finished (crash): a second begin is a resume, not a duplicate.
        auto resumed = ledger->begin_batch(sha, "/inbox/offboarding.csv", "2026-11-30T13:05:00Z");
        BOOST_TEST_REQUIRE(resumed.has_value());
        BOOST_TEST(!resumed->has_value());
        BOOST_TEST_REQUIRE(ledger->finish_batch(sha, "/inbox/offboarding.csv", "2026-11-30T13:10:00Z").has_value());
        BOOST_TEST(ledger->batches() == 1u);
    }
    auto ledger = Ledger::open(dir.path);
    BOOST_TEST_REQUIRE(ledger.has_value());
    auto again = ledger->begin_batch(sha, "/inbox/offboarding (copy).csv", "2026-12-01T09:00:00Z");
    BOOST_TEST_REQUIRE(again.has_value());
    BOOST_TEST_REQUIRE(again->has_value());
    BOOST_TEST((*again)->state == LedgerBatchState::done);
    BOOST_TEST((*again)->input == "/inbox/offboarding.csv");
    BOOST_TEST((*again)->at == "2026-11-30T13:10:00Z");
    auto other = ledger->find_batch("0000");
    BOOST_TEST_REQUIRE(other.has_value());
    BOOST_TEST(!other->has_value());
}

BOOST_AUTO_TEST_CASE(a_service_transferred_by_an_earlier_batch_is_a_duplicate_naming_its_order)
{
    TempDir dir;
    {
        auto ledger = Ledger::open(dir.path);
        BOOST_TEST_REQUIRE(ledger.has_value());
        auto claim = ledger->claim_service("41000017", batch_a_row_3, "2026-11-30T13:00:00Z");
        BOOST_TEST_REQUIRE(claim.has_value());
        BOOST_TEST(claim->kind == ClaimResult::Kind::granted);
        BOOST_TEST_REQUIRE(ledger->record_order({"41000017", "13298555", batch_a_row_3, "2026-11-30T13:00:01Z"})
                               .has_value());
        // Recording it again (resume after a crash between journal and ledger) adds nothing.
        const auto syncs = ledger->syncs();
        BOOST_TEST_REQUIRE(ledger->record_order({"41000017", "13298555", batch_a_row_3, "2026-11-30T13:00:01Z"})
                               .has_value());
        BOOST_TEST(ledger->syncs() == syncs);
    }
    // Batch B, another day, another process: the ledger is read back from disk.
    auto ledger = Ledger::open(dir.path);
    BOOST_TEST_REQUIRE(ledger.has_value());
    BOOST_TEST(ledger->orders() == 1u);
    auto claim = ledger->claim_service("41000017", batch_b_row_1, "2026-12-01T09:00:00Z");
    BOOST_TEST_REQUIRE(claim.has_value());
    BOOST_TEST(claim->kind == ClaimResult::Kind::already_ordered);
    BOOST_TEST_REQUIRE(claim->order.has_value());
    BOOST_TEST(claim->order->order_id == "13298555");
    BOOST_TEST(claim->order->owner == batch_a_row_3);
    BOOST_TEST(claim->message ==
               "service 41000017 was already transferred by order 13298555 (external order number HR-3, batch "
               "aaaaaaaaaaaa row 3, 2026-11-30T13:00:01Z); not submitted again");
    auto found = ledger->find_order("41000017");
    BOOST_TEST_REQUIRE(found.has_value());
    BOOST_TEST_REQUIRE(found->has_value());
    BOOST_TEST((*found)->order_id == "13298555");
    BOOST_TEST(!ledger->find_order("41000018")->has_value());
}

BOOST_AUTO_TEST_CASE(a_claimed_service_is_blocked_until_its_row_is_settled)
{
    TempDir dir;
    auto ledger = Ledger::open(dir.path);
    BOOST_TEST_REQUIRE(ledger.has_value());
    BOOST_TEST(ledger->claim_service("41000020", batch_a_row_3, "t1")->kind == ClaimResult::Kind::granted);
    // Claiming again for the same row (resume) is granted without a new record.
    const auto syncs = ledger->syncs();
    BOOST_TEST(ledger->claim_service("41000020", batch_a_row_3, "t2")->kind == ClaimResult::Kind::granted);
    BOOST_TEST(ledger->syncs() == syncs);

    // Batch A's row is in flight or in doubt: batch B may not submit the same service.
    auto blocked = ledger->claim_service("41000020", batch_b_row_1, "t3");
    BOOST_TEST_REQUIRE(blocked.has_value());
    BOOST_TEST(blocked->kind == ClaimResult::Kind::claimed_elsewhere);
    BOOST_TEST_REQUIRE(blocked->claim.has_value());
    BOOST_TEST(blocked->claim->owner == batch_a_row_3);
    BOOST_TEST(blocked->message.find("HR-3 (batch aaaaaaaaaaaa row 3, since t1)") != std::string::npos,
               blocked->message);

    // Only the owner releases; then B may go.
    BOOST_TEST_REQUIRE(ledger->release_service("41000020", batch_b_row_1, "t4").has_value());
    BOOST_TEST(ledger->claim_service("41000020", batch_b_row_1, "t5")->kind ==
               ClaimResult::Kind::claimed_elsewhere);
    BOOST_TEST_REQUIRE(ledger->release_service("41000020", batch_a_row_3, "t6").has_value());
    BOOST_TEST(ledger->claim_service("41000020", batch_b_row_1, "t7")->kind == ClaimResult::Kind::granted);

    // The same holds for a ledger read back from disk.
    auto reopened = Ledger::open(dir.path);
    BOOST_TEST_REQUIRE(reopened.has_value());
    BOOST_TEST(reopened->claim_service("41000020", batch_a_row_3, "t8")->kind ==
               ClaimResult::Kind::claimed_elsewhere);
}

BOOST_AUTO_TEST_CASE(a_window_of_claims_takes_one_sync_and_sees_itself)
{
    TempDir dir;
    auto ledger = Ledger::open(dir.path);
    BOOST_TEST_REQUIRE(ledger.has_value());
    BOOST_TEST_REQUIRE(ledger->record_order({"41000050", "13290050", batch_a_row_3, "t0"}).has_value());
    const ServiceOwner row1{"cccc", 1, "HR-C1"}, row2{"cccc", 2, "HR-C2"}, row3{"cccc", 3, "HR-C3"};
    const std::vector<Ledger::ServiceRequest> window = {
        {"41000051", row1},
        {"41000050", row2},   // transferred by batch A
        {"41000051", row3},   // the same service twice in one batch: the first row has it
    };
    const auto syncs = ledger->syncs();
    auto results = ledger->claim_services(window, "t1");
    BOOST_TEST_REQUIRE(results.has_value());
    BOOST_TEST(ledger->syncs() == syncs + 1);
    BOOST_TEST_REQUIRE(results->size() == 3u);
    BOOST_TEST((*results)[0].kind == ClaimResult::Kind::granted);
    BOOST_TEST((*results)[1].kind == ClaimResult::Kind::already_ordered);
    BOOST_TEST((*results)[1].order->order_id == "13290050");
    BOOST_TEST((*results)[2].kind == ClaimResult::Kind::claimed_elsewhere);
    BOOST_TEST((*results)[2].claim->owner == row1);

    const std::vector<LedgerOrder> orders = {{"41000051", "13290051", row1, "t2"}, {"41000052", "13290052", row3, "t2"}};
    BOOST_TEST_REQUIRE(ledger->record_orders(orders).has_value());
    BOOST_TEST(ledger->syncs() == syncs + 2);
    BOOST_TEST(ledger->orders() == 3u);
}

BOOST_AUTO_TEST_CASE(a_second_ledger_sees_what_the_first_appended)
{
    TempDir dir;
    auto one = Ledger::open(dir.path);
    auto two = Ledger::open(dir.path);
    BOOST_TEST_REQUIRE(one.has_value());
    BOOST_TEST_REQUIRE(two.has_value());
    BOOST_TEST(one->claim_service("41000030", batch_a_row_3, "t1")->kind == ClaimResult::Kind::granted);
    BOOST_TEST_REQUIRE(one->record_order({"41000030", "13290030", batch_a_row_3, "t2"}).has_value());
    BOOST_TEST(two->claim_service("41000030", batch_b_row_1, "t3")->kind == ClaimResult::Kind::already_ordered);
    BOOST_TEST(two->claim_service("41000031", batch_b_row_1, "t4")->kind == ClaimResult::Kind::granted);
    BOOST_TEST(one->claim_service("41000031", batch_a_row_3, "t5")->kind == ClaimResult::Kind::claimed_elsewhere);
    BOOST_TEST_REQUIRE(one->finish_batch("cafe", "x.csv", "t6").has_value());
    auto seen = two->find_batch("cafe");
    BOOST_TEST_REQUIRE(seen.has_value());
    BOOST_TEST_REQUIRE(seen->has_value());
    BOOST_TEST((*seen)->state == LedgerBatchState::done);
}

BOOST_AUTO_TEST_CASE(a_torn_ledger_tail_is_ignored_then_cut_by_the_next_writer)
{
    TempDir dir;
    {
        auto ledger = Ledger::open(dir.path);
        BOOST_TEST_REQUIRE(ledger.has_value());
        BOOST_TEST_REQUIRE(ledger->record_order({"41000040", "13290040", batch_a_row_3, "t1"}).has_value());
    }
    const fs::path file = dir.path / "ledger";
    const std::string good = read_file(file);
    {
        std::ofstream out(file, std::ios::binary | std::ios::app);
        out << "1a2b3c4d {\"t\":\"order\",\"sid\":\"4100";   // power lost mid-write
    }
    auto ledger = Ledger::open(dir.path);
    BOOST_TEST_REQUIRE(ledger.has_value(), ledger.error().message);
    BOOST_TEST(ledger->orders() == 1u);
    BOOST_TEST(ledger->claim_service("41000041", batch_b_row_1, "t2")->kind == ClaimResult::Kind::granted);
    const std::string after = read_file(file);
    BOOST_TEST(after.substr(0, good.size()) == good);
    BOOST_TEST(after.find("4100\"") == std::string::npos, "the torn line is gone");
    auto reopened = Ledger::open(dir.path);
    BOOST_TEST_REQUIRE(reopened.has_value(), reopened.error().message);
    BOOST_TEST(reopened->claim_service("41000041", batch_a_row_3, "t3")->kind ==
               ClaimResult::Kind::claimed_elsewhere);
}

BOOST_AUTO_TEST_CASE(two_processes_claiming_the_same_services_get_one_grant_each)
{
    TempDir dir;
    BOOST_TEST_REQUIRE(Ledger::open(dir.path).has_value());
    constexpr int services = 150;
    const fs::path grants_dir = dir.path / "grants";
    fs::create_directories(grants_dir);
    // Each process claims every service, and writes the ones it was granted to its own file.
    auto run = [&](const ServiceOwner& owner, const std::string& name) {
        auto ledger = Ledger::open(dir.path);
        if (!ledger) return false;
        std::ofstream out(grants_dir / name);
        for (int i = 0; i < services; ++i) {
            auto c = ledger->claim_service("5" + std::to_string(1000 + i), owner, "t");
            if (!c) return false;
            if (c->kind == ClaimResult::Kind::granted) out << i << '\n';
        }
        return true;
    };
    pid_t child = ::fork();
    BOOST_TEST_REQUIRE(child >= 0);
    if (child == 0) ::_exit(run(batch_b_row_1, "b") ? 0 : 1);
    const bool parent_ok = run(batch_a_row_3, "a");
    int status = 0;
    BOOST_TEST_REQUIRE(::waitpid(child, &status, 0) == child);
    BOOST_TEST(parent_ok);
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0));

    std::multiset<int> granted;
    for (const char* name : {"a", "b"}) {
        std::ifstream in(grants_dir / name);
        for (int i; in >> i;) granted.insert(i);
    }
    BOOST_TEST(granted.size() == static_cast<std::size_t>(services));
    for (int i = 0; i < services; ++i) BOOST_TEST(granted.count(i) == 1u, "service " << i);
    // And the file the two wrote reads back whole.
    auto ledger = Ledger::open(dir.path);
    BOOST_TEST_REQUIRE(ledger.has_value(), ledger.error().message);
}

BOOST_AUTO_TEST_SUITE_END()
