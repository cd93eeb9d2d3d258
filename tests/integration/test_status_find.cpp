// `xferd status`, `xferd find` and `xferd reconfirm` as an operator runs them, against a store
// that `xferd once` filled; and "drop it again (or touch it)" after a stale approval, with
// `once` and with `run`.
#include "xferd_cli.hpp"

#include "xferd/service/reconfirm.hpp"

#include <boost/json.hpp>

#include <sys/stat.h>

using namespace xferd;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string eu = test::source_path("samples/batches/offboarding-eu-semicolon.csv").string();

test::CliConfig manual_mode()
{
    test::CliConfig c;
    c.mode = "manual";
    return c;
}

boost::json::object parse_object(const std::string& text)
{
    boost::json::error_code ec;
    auto v = boost::json::parse(text, ec);
    BOOST_TEST_REQUIRE(!ec, "not JSON: " << text);
    BOOST_TEST_REQUIRE(v.is_object());
    return v.as_object();
}

std::uint64_t count(const boost::json::object& counts, const char* key)
{
    return static_cast<std::uint64_t>(counts.at(key).as_int64());
}

// The counts a person checks add up to the rows, both ways.
void check_counts_add_up(const boost::json::object& batch)
{
    const auto& c = batch.at("counts").as_object();
    const auto rows = count(c, "rows");
    BOOST_TEST(count(c, "approved") + count(c, "rejected") + count(c, "invalid") + count(c, "undecided") == rows);
    BOOST_TEST(count(c, "submitted") + count(c, "not_submitted") + count(c, "failed") + count(c, "in_doubt") +
                   count(c, "duplicate") + count(c, "pending") == rows);
}

std::string sha_of(const boost::json::object& doc, std::size_t i = 0)
{
    return std::string(doc.at("batches").as_array().at(i).as_object().at("sha256").as_string());
}

std::uint64_t confirm_calls(test::SimFixture& sim)
{
    return sim.with_state([](xferd::sim::State& st) {
        std::uint64_t n = 0;
        for (const auto& [endpoint, outcomes] : st.stats.requests)
            if (endpoint.find("confirm") != std::string::npos)
                for (const auto& [outcome, c] : outcomes) n += c;
        return n;
    });
}

boost::json::object status_of_eu(const test::TempDir& dir, const std::string& config)
{
    auto r = test::run_xferd(dir, {"status", "--config", config, "--json", "eu.csv"}, "status");
    BOOST_TEST_REQUIRE(r.status != 2, r.err);
    return parse_object(r.out).at("batches").as_array().at(0).as_object();
}

bool waiting_for_approval(const test::TempDir& dir, const std::string& config)
{
    return status_of_eu(dir, config).at("stage").as_string() == "awaiting_approval";
}

std::string confirmed_at(const test::TempDir& dir, const std::string& config)
{
    const auto b = status_of_eu(dir, config);
    return b.at("confirmed_at").is_null() ? "" : std::string(b.at("confirmed_at").as_string());
}

void set_mtime_to_now(const fs::path& p)
{
    BOOST_TEST_REQUIRE(::utimensat(AT_FDCWD, p.c_str(), nullptr, 0) == 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(status_and_find)

BOOST_AUTO_TEST_CASE(status_lists_batches_shows_one_in_detail_and_needs_no_secrets)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = write_cli_config(dir, sim).string();
    auto empty = test::run_xferd(dir, {"status", "--config", config});
    BOOST_TEST(empty.status == 0, empty.err);
    BOOST_TEST(empty.out.find("no batches yet") != std::string::npos, empty.out);

    fs::copy_file(eu, dir / "inbox/eu.csv");
    BOOST_TEST_REQUIRE(test::run_xferd(dir, {"once", "--config", config}).status == 0);
    // The secrets are not needed to read the store.
    fs::remove(dir / "client_secret");
    fs::remove(dir / "password");

    auto listed = test::run_xferd(dir, {"status", "--config", config});
    BOOST_TEST(listed.status == 0, listed.out << listed.err);
    BOOST_TEST(listed.out.find("eu.csv  ") == 0u, listed.out);
    BOOST_TEST(listed.out.find("  done  6 rows, 6 approved, 6 submitted, 0 failed, 0 in doubt  results " +
                               (dir / "inbox/eu.results.csv").string()) != std::string::npos,
               listed.out);

    auto json = test::run_xferd(dir, {"status", "--config", config, "--json"});
    BOOST_TEST(json.status == 0, json.err);
    auto doc = parse_object(json.out);
    BOOST_TEST(doc.at("version").as_int64() == 1);
    BOOST_TEST(doc.at("needs_attention").as_bool() == false);
    BOOST_TEST_REQUIRE(doc.at("batches").as_array().size() == 1u);
    const auto& b = doc.at("batches").as_array()[0].as_object();
    BOOST_TEST(b.at("file").as_string() == "eu.csv");
    BOOST_TEST(b.at("stage").as_string() == "done");
    BOOST_TEST(b.at("results").as_string() == (dir / "inbox/eu.results.csv").string());
    check_counts_add_up(b);
    const std::string sha = sha_of(doc);

    // By hash prefix, by file name, by path: the same detail.
    auto by_hash = test::run_xferd(dir, {"status", "--config", config, sha.substr(0, 8)});
    BOOST_TEST(by_hash.status == 0, by_hash.err);
    BOOST_TEST(by_hash.out.find("sha256:       " + sha) != std::string::npos, by_hash.out);
    BOOST_TEST(by_hash.out.find("next:         nothing to do") != std::string::npos, by_hash.out);
    BOOST_TEST(test::run_xferd(dir, {"status", "--config", config, "eu.csv"}).out == by_hash.out);
    BOOST_TEST(test::run_xferd(dir, {"status", "--config", config, (dir / "inbox/eu.csv").string()}).out == by_hash.out);

    auto unknown = test::run_xferd(dir, {"status", "--config", config, "nothing.csv"});
    BOOST_TEST(unknown.status == 2);
    BOOST_TEST(unknown.err.find("no batch matches 'nothing.csv'") != std::string::npos, unknown.err);

    // The file rewritten with other content: two batches of that name, so the name is ambiguous.
    {
        std::ofstream(dir / "inbox/eu.csv", std::ios::trunc)
            << "external_order_number,service_id,service_number,contact_number,personal_email\n"
               "NEW-1,38390017,3035550190,4155550100,new@mail.example\n";
    }
    std::ofstream(dir / "client_secret") << test::demo::client_secret;
    std::ofstream(dir / "password") << test::demo::password;
    auto rewritten = test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST_REQUIRE(rewritten.status == 0, rewritten.out << rewritten.err);
    auto ambiguous = test::run_xferd(dir, {"status", "--config", config, "eu.csv"});
    BOOST_TEST(ambiguous.status == 2);
    BOOST_TEST(ambiguous.err.find("'eu.csv' names 2 batches") != std::string::npos, ambiguous.err);
    BOOST_TEST(ambiguous.err.find(sha.substr(0, 12)) != std::string::npos, ambiguous.err);
}

BOOST_AUTO_TEST_CASE(status_says_a_waiting_batch_needs_attention_and_how_to_approve)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = write_cli_config(dir, sim, manual_mode()).string();
    fs::copy_file(eu, dir / "inbox/eu.csv");
    BOOST_TEST_REQUIRE(test::run_xferd(dir, {"once", "--config", config}).status == 0);

    auto listed = test::run_xferd(dir, {"status", "--config", config});
    BOOST_TEST(listed.status == 1, listed.out << listed.err);
    BOOST_TEST(listed.out.find("awaiting_approval  6 rows, 6 approved, 0 submitted, 0 failed, 0 in doubt, waiting since 20") !=
                   std::string::npos,
               listed.out);
    auto detail = test::run_xferd(dir, {"status", "--config", config, "eu.csv"});
    BOOST_TEST(detail.status == 1);
    BOOST_TEST(detail.out.find("next:         waiting for your approval since") != std::string::npos, detail.out);
    BOOST_TEST(detail.out.find("then drop eu.approve") != std::string::npos, detail.out);
    BOOST_TEST(detail.out.find("eu.approved.csv") != std::string::npos, detail.out);

    // A refused approval is named, with the way out.
    std::ofstream(dir / "inbox/eu.approve") << "NOT-IN-THIS-BATCH\n";
    BOOST_TEST(test::run_xferd(dir, {"once", "--config", config}).status == 1);
    auto refused = test::run_xferd(dir, {"status", "--config", config, "--json", "eu.csv"});
    BOOST_TEST(refused.status == 1);
    auto doc = parse_object(refused.out);
    const auto& b = doc.at("batches").as_array().at(0).as_object();
    BOOST_TEST(b.at("needs_attention").as_bool());
    BOOST_TEST(!b.at("waiting_since").is_null());
    const auto& approvals = b.at("approvals").as_array();
    BOOST_TEST_REQUIRE(approvals.size() == 1u);
    BOOST_TEST(approvals[0].as_object().at("accepted").as_bool() == false);
    BOOST_TEST(std::string(b.at("next").as_string()).find("was refused") != std::string::npos);
    // The text view names the approval file, its owner and its content hash.
    auto text = test::run_xferd(dir, {"status", "--config", config, "eu.csv"});
    const std::string sha = std::string(approvals[0].as_object().at("sha256").as_string()).substr(0, 12);
    BOOST_TEST(text.out.find("approval:     eu.approve (") != std::string::npos, text.out);
    BOOST_TEST(text.out.find(", root, sha256 " + sha + "): refused: ") != std::string::npos, text.out);
}

BOOST_AUTO_TEST_CASE(find_shows_a_persons_rows_by_service_number_email_or_order)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = write_cli_config(dir, sim).string();
    fs::copy_file(eu, dir / "inbox/eu.csv");
    BOOST_TEST_REQUIRE(test::run_xferd(dir, {"once", "--config", config}).status == 0);

    auto by_service = test::run_xferd(dir, {"find", "--config", config, "38390358"});
    BOOST_TEST(by_service.status == 0, by_service.err);
    BOOST_TEST(by_service.out.find("eu.csv row 2: APPROVED SUBMITTED order ") == 0u, by_service.out);
    BOOST_TEST(by_service.out.find("michelle.morales@example.com / 9295550110") != std::string::npos, by_service.out);
    // Numbers as people write them, e-mails whatever the case: the same row.
    auto by_number = test::run_xferd(dir, {"find", "--config", config, "(614) 555-0105"});
    BOOST_TEST(by_number.out == by_service.out);
    auto by_mail = test::run_xferd(dir, {"find", "--config", config, "Michelle.Morales@ACME-corp.example"});
    BOOST_TEST(by_mail.out == by_service.out);

    auto json = test::run_xferd(dir, {"find", "--config", config, "--json", "OFF-EU-2026-11-002"});
    BOOST_TEST(json.status == 0);
    auto doc = parse_object(json.out);
    const auto& rows = doc.at("rows").as_array();
    BOOST_TEST_REQUIRE(rows.size() == 1u);
    const auto& row = rows[0].as_object();
    BOOST_TEST(row.at("status").as_string() == "SUBMITTED");
    const std::string order(row.at("order_id").as_string());
    BOOST_TEST(!order.empty());
    auto by_order = test::run_xferd(dir, {"find", "--config", config, order});
    BOOST_TEST(by_order.out == by_service.out);

    auto none = test::run_xferd(dir, {"find", "--config", config, "nobody@example.com"});
    BOOST_TEST(none.status == 1);
    BOOST_TEST(none.out.find("no row matches") != std::string::npos);
    // Never a secret in what it prints.
    for (const auto& r : {by_service, json})
        BOOST_TEST(r.out.find(test::demo::client_secret) == std::string::npos);
    BOOST_TEST(test::run_xferd(dir, {"find", "--config", config}).status == 2);
}

// reconfirm: a waiting batch is confirmed anew at the next once; a finished one is not touched.
BOOST_AUTO_TEST_CASE(reconfirm_confirms_a_waiting_batch_anew_and_never_resubmits)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = write_cli_config(dir, sim, manual_mode()).string();
    fs::copy_file(eu, dir / "inbox/eu.csv");
    BOOST_TEST_REQUIRE(test::run_xferd(dir, {"once", "--config", config}).status == 0);
    const auto confirmed_once = confirm_calls(sim);
    BOOST_TEST(confirmed_once == 6u);

    auto marked = test::run_xferd(dir, {"reconfirm", "--config", config, "eu.csv"});
    BOOST_TEST(marked.status == 0, marked.out << marked.err);
    BOOST_TEST(marked.out.find("eu.csv: 6 rows are confirmed anew at the next") != std::string::npos, marked.out);
    BOOST_TEST(confirm_calls(sim) == confirmed_once, "reconfirm itself calls nothing");
    auto again = test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST(again.status == 0, again.out << again.err);
    BOOST_TEST(again.out.find("WAITING FOR YOUR APPROVAL") != std::string::npos, again.out);
    BOOST_TEST(confirm_calls(sim) == 2 * confirmed_once);

    std::ofstream(dir / "inbox/eu.approve") << "all\n";
    BOOST_TEST(test::run_xferd(dir, {"once", "--config", config}).status == 0);
    BOOST_TEST(sim.audit_entries().size() == 6u);
    // Done: nothing to confirm anew, nothing submitted again.
    auto done = test::run_xferd(dir, {"reconfirm", "--config", config, "eu.csv"});
    BOOST_TEST(done.status == 1);
    BOOST_TEST(done.out.find("not confirmed anew: it is done") != std::string::npos, done.out);
    BOOST_TEST(test::run_xferd(dir, {"once", "--config", config}).status == 0);
    BOOST_TEST(sim.audit_entries().size() == 6u);
    BOOST_TEST(test::run_xferd(dir, {"reconfirm", "--config", config, "nothing.csv"}).status == 2);
}

// The stale approval's advice: "drop the batch file again (or touch it)". With once.
BOOST_AUTO_TEST_CASE(a_stale_approval_is_cured_by_touching_the_file_with_once)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = write_cli_config(dir, sim, manual_mode()).string();
    {
        std::string text = test::read_text(config);
        text.replace(text.find("  mode: manual\n"), 15, "  mode: manual\n  max_age: 3s\n");
        std::ofstream(config, std::ios::trunc) << text;
    }
    fs::copy_file(eu, dir / "inbox/eu.csv");
    BOOST_TEST_REQUIRE(test::run_xferd(dir, {"once", "--config", config}).status == 0);
    std::this_thread::sleep_for(3600ms);   // the confirmation grows older than approval.max_age
    std::ofstream(dir / "inbox/eu.approve") << "all\n";
    auto stale = test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST(stale.status == 1);
    BOOST_TEST(stale.out.find("drop the batch file again (or touch it)") != std::string::npos, stale.out);
    BOOST_TEST(sim.audit_entries().empty());

    fs::remove(dir / "inbox/eu.approve");
    set_mtime_to_now(dir / "inbox/eu.csv");
    auto touched = test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST(touched.status == 0, touched.out << touched.err);
    BOOST_TEST(touched.out.find("WAITING FOR YOUR APPROVAL") != std::string::npos, touched.out);
    BOOST_TEST(confirm_calls(sim) == 12u, "confirmed anew: " << confirm_calls(sim) << touched.err);
    std::ofstream(dir / "inbox/eu.approve") << "all\n";
    auto approved = test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST(approved.status == 0, approved.out << approved.err);
    BOOST_TEST(sim.audit_entries().size() == 6u);
}

// The same with the daemon: touching the file has the running xferd confirm it anew.
BOOST_AUTO_TEST_CASE(a_stale_approval_is_cured_by_touching_the_file_with_run)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = write_cli_config(dir, sim, manual_mode()).string();
    {
        std::string text = test::read_text(config);
        text.replace(text.find("  mode: manual\n"), 15, "  mode: manual\n  max_age: 3s\n");
        text.replace(text.find("  settle: 0s\n"), 13, "  settle: 0s\n  rescan_interval: 1s\n");
        std::ofstream(config, std::ios::trunc) << text;
    }
    fs::copy_file(eu, dir / "inbox/eu.csv");
    test::ChildProcess daemon({test::xferd_binary, "run", "--config", config}, dir / "run.out", dir / "run.err");
    auto await = [&](auto condition, const char* what) {
        auto end = std::chrono::steady_clock::now() + 60s;
        while (!condition() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(50ms);
        BOOST_TEST_REQUIRE(condition(), what << "\n" << test::read_text(dir / "run.err"));
    };
    await([&] { return fs::exists(dir / "inbox/eu.confirmation.csv") && waiting_for_approval(dir, config); },
          "no confirmation report");
    std::this_thread::sleep_for(3600ms);   // older than approval.max_age
    std::ofstream(dir / "inbox/eu.approve") << "all\n";
    await([&] { return fs::exists(dir / "inbox/eu.error.txt"); }, "the stale approval was not refused");
    BOOST_TEST(test::read_text(dir / "inbox/eu.error.txt").find("(or touch it)") != std::string::npos);
    fs::remove(dir / "inbox/eu.approve");

    const std::string first_confirmation = confirmed_at(dir, config);
    set_mtime_to_now(dir / "inbox/eu.csv");
    await([&] { return confirm_calls(sim) == 12u; }, "not confirmed anew after the touch");
    // Waiting again, on the new confirmation (status says so); an approval of it is accepted.
    await([&] { return waiting_for_approval(dir, config) && confirmed_at(dir, config) > first_confirmation; },
          "not waiting for approval of a new confirmation");
    std::ofstream(dir / "inbox/eu.approve") << "all\n";
    await([&] { return sim.audit_entries().size() == 6u; }, "the fresh approval was not acted on");
    daemon.signal(SIGTERM);
    BOOST_TEST(daemon.wait_for(20s).value_or(-1) == 0);
    BOOST_TEST(sim.audit_entries().size() == 6u);
}

// What reconfirm changes in the store: a batch nothing of which was sent is read again; one with
// rows sent keeps those (SUBMITTED, SUBMITTING, IN_DOUBT) and its INVALID rows, the rest reset.
BOOST_AUTO_TEST_CASE(reconfirm_keeps_every_row_that_was_sent)
{
    test::TempDir dir;
    auto opened = open_sqlite_store(dir.path());
    BOOST_TEST_REQUIRE(opened.has_value());
    StateStore& store = **opened;
    BatchInfo b;
    b.sha256 = std::string(64, 'c');
    b.path = "/inbox/mixed.csv";
    b.mode = "manual";
    b.stage = BatchStage::awaiting_approval;
    b.snapshot = "/state/batches/c/input.csv";
    b.confirmed_at = b.confirmation_written_at = "2026-12-02T10:00:00.000Z";
    b.created_at = b.updated_at = "2026-12-02T10:00:00.000Z";
    const RowStatus statuses[] = {RowStatus::submitted, RowStatus::submitting, RowStatus::in_doubt,
                                  RowStatus::not_submitted, RowStatus::failed, RowStatus::pending,
                                  RowStatus::not_submitted};
    std::vector<RowRecord> rows;
    for (std::size_t i = 0; i < std::size(statuses); ++i) {
        RowRecord r;
        r.row = i + 1;
        r.external_order_number = "M-" + std::to_string(i + 1);
        r.service_id = std::to_string(38390000 + i);
        r.decision = i == 6 ? Decision::invalid : Decision::approved;
        r.confirm_state = ConfirmState::confirmed;
        r.status = statuses[i];
        r.order_id = i == 0 ? "13298555" : "";
        rows.push_back(r);
    }
    BOOST_TEST_REQUIRE(store.begin().has_value());
    b.id = *store.create_batch(b);
    BOOST_TEST_REQUIRE(store.insert_rows(b.id, rows).has_value());
    BOOST_TEST_REQUIRE(store.update_rows(b.id, rows).has_value());
    auto n = mark_for_reconfirm(store, b, "2026-12-02T11:00:00.000Z");
    BOOST_TEST_REQUIRE(n.has_value());
    BOOST_TEST_REQUIRE(store.commit().has_value());
    BOOST_TEST(*n == 3u, "NOT_SUBMITTED, FAILED and pending rows");
    auto after = store.rows(b.id, RowSet::all, 0, 100);
    BOOST_TEST_REQUIRE(after->size() == 7u);
    for (std::size_t i = 0; i < 7; ++i) {
        const auto& r = (*after)[i];
        const bool reset = i >= 3 && i <= 5;
        BOOST_TEST((r.confirm_state == (reset ? ConfirmState::pending : ConfirmState::confirmed)), "row " << r.row);
        BOOST_TEST((r.status == (reset ? RowStatus::pending : statuses[i])), "row " << r.row);
    }
    BOOST_TEST((*after)[0].order_id == "13298555");
    auto marked = store.batch(b.id);
    BOOST_TEST(((*marked)->stage == BatchStage::confirming));
    BOOST_TEST((*marked)->confirmation_written_at.empty());

    // Nothing sent: the rows are read again from the snapshot.
    BatchInfo fresh = **marked;
    fresh.stage = BatchStage::held;
    BOOST_TEST_REQUIRE(store.begin().has_value());
    BOOST_TEST_REQUIRE(store.delete_rows(b.id).has_value());
    BOOST_TEST_REQUIRE(store.insert_rows(b.id, std::vector<RowRecord>{rows[3], rows[5]}).has_value());
    auto again = mark_for_reconfirm(store, fresh, "2026-12-02T12:00:00.000Z");
    BOOST_TEST_REQUIRE(store.commit().has_value());
    BOOST_TEST(*again == 2u);
    BOOST_TEST(((*store.batch(b.id))->stage == BatchStage::validating));
    BOOST_TEST(store.rows(b.id, RowSet::all, 0, 100)->empty());
}

BOOST_AUTO_TEST_SUITE_END()
