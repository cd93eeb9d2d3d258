// The daemon's own logic, in-process with a fake pipeline (so it is fast and exact): which files
// it takes and when, in which order and how many at once, and the manual approval flow (accepted,
// refused, stale, surviving a restart). The real pipeline against the simulator is exercised by
// test_daemon_process.
#include "xferd/service/daemon.hpp"
#include "xferd/batch/report.hpp"
#include "xferd/core/sha256.hpp"

#include "temp_dir.hpp"
#include "test_files.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <fstream>
#include <mutex>
#include <thread>

using namespace xferd;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string sha_of(const std::string& s)
{
    Sha256 h;
    h.update(s);
    return h.hex_digest();
}

// Stands in for the pipeline. Input files are lines "EON,SERVICE_ID"; a service id starting
// with X is REJECTED at confirmation. Writes the confirmation and results like the pipeline.
class FakeRunner : public BatchRunner {
public:
    std::chrono::milliseconds work{150};

    struct Submission {
        std::string name;
        std::vector<std::size_t> rows;
    };

    std::vector<std::string> processed() const
    {
        std::lock_guard l(m_);
        return processed_;
    }
    std::map<std::string, std::string> contents() const
    {
        std::lock_guard l(m_);
        return contents_;
    }
    std::vector<Submission> submitted() const
    {
        std::lock_guard l(m_);
        return submitted_;
    }
    int max_in_flight() const
    {
        std::lock_guard l(m_);
        return max_in_flight_;
    }

    asio::awaitable<BatchOutcome> process(fs::path input, BatchOptions options) override
    {
        std::string content = test::read_text(input);
        {
            std::lock_guard l(m_);
            processed_.push_back(input.filename().string());
            contents_[input.filename().string()] = content;
            max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
        }
        asio::steady_timer t(co_await asio::this_coro::executor, work);
        co_await t.async_wait(asio::use_awaitable);
        auto rows = records(content);
        BatchOutcome o;
        o.input = input;
        o.sha256 = sha_of(content);
        for (auto& r : rows) {
            if (options.approval.mode == ApprovalMode::manual && r.decision == Decision::approved) {
                r.status = RowStatus::not_submitted;
                r.message = "waiting for operator approval";
            } else {
                r.status = r.decision == Decision::approved ? RowStatus::submitted : RowStatus::not_submitted;
            }
        }
        const OutputPaths out = output_paths_for(input);
        BOOST_REQUIRE(write_report_atomically(out.confirmation_csv, render_confirmation_csv(rows)).has_value());
        // Like the pipeline: a batch waiting for the operator has a confirmation, no results yet.
        o.waiting_for_approval = options.approval.mode == ApprovalMode::manual;
        if (!o.waiting_for_approval)
            BOOST_REQUIRE(write_report_atomically(out.results_csv, render_results_csv(rows)).has_value());
        o.counts = count_rows(rows);
        {
            std::lock_guard l(m_);
            --in_flight_;
        }
        co_return o;
    }

    std::optional<ConfirmedBatch> waiting_for_approval(const BatchOutcome& outcome, const BatchOptions& options) override
    {
        if (options.approval.mode != ApprovalMode::manual || outcome.counts.approved == 0) return std::nullopt;
        const fs::path csv = output_paths_for(outcome.input).confirmation_csv;
        struct stat st {};
        ::stat(csv.c_str(), &st);
        ConfirmedBatch b;
        b.sha256 = outcome.sha256;
        b.confirmed_at = std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
        for (const auto& r : records(contents().at(outcome.input.filename().string())))
            b.rows.push_back({r.row, r.external_order_number, r.service_id, r.decision, r.reason});
        return b;
    }

    asio::awaitable<BatchOutcome> submit_approved(fs::path input, ConfirmedBatch batch, ApprovalVerdict verdict,
                                                  BatchOptions) override
    {
        {
            std::lock_guard l(m_);
            submitted_.push_back({input.filename().string(), verdict.approved_rows});
        }
        BatchOutcome o;
        o.input = input;
        o.sha256 = batch.sha256;
        o.counts.submitted = verdict.approved_rows.size();
        BOOST_REQUIRE(write_report_atomically(output_paths_for(input).results_csv, "row,status\n").has_value());
        co_return o;
    }

private:
    static std::vector<RowRecord> records(const std::string& content)
    {
        std::vector<RowRecord> rows;
        std::size_t at = 0, n = 0;
        while (at < content.size()) {
            auto nl = content.find('\n', at);
            std::string line = content.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
            at = nl == std::string::npos ? content.size() : nl + 1;
            if (line.empty()) continue;
            RowRecord r;
            r.row = ++n;
            r.external_order_number = line.substr(0, line.find(','));
            r.service_id = line.substr(line.find(',') + 1);
            bool ok = r.service_id.empty() || r.service_id[0] != 'X';
            r.decision = ok ? Decision::approved : Decision::rejected;
            r.reason = ok ? "all checks passed" : "service status is SUSPENDED, not ACTIVE";
            rows.push_back(r);
        }
        return rows;
    }

    mutable std::mutex m_;
    std::vector<std::string> processed_;
    std::map<std::string, std::string> contents_;
    std::vector<Submission> submitted_;
    int in_flight_ = 0;
    int max_in_flight_ = 0;
};

Config base_config(const test::TempDir& dir, ApprovalMode mode = ApprovalMode::automatic)
{
    Config c;
    c.config_file = dir / "xferd.yaml";
    c.state_dir = dir / "state";
    fs::create_directories(dir / "inbox");
    c.inboxes.push_back(InboxConfig{dir / "inbox", {}, std::nullopt});
    c.approval.mode = mode;
    c.watch.settle = 300ms;
    c.watch.rescan_interval = 60s;  // events do the work here unless a test says otherwise
    c.watch.max_parallel_batches = 2;
    c.watch.shutdown_grace = 5s;
    return c;
}

// The daemon on its own thread and io_context.
class RunningDaemon {
public:
    RunningDaemon(const Config& config, std::shared_ptr<FakeRunner> runner)
    {
        daemon_ = std::make_unique<Daemon>(
            ctx_, config.config_file, config,
            [runner](const Config&, asio::any_io_executor) -> Result<std::shared_ptr<BatchRunner>> {
                return std::shared_ptr<BatchRunner>(runner);
            });
        asio::co_spawn(ctx_, daemon_->run(), [this](std::exception_ptr e, Result<void> r) {
            ok_ = !e && r.has_value();
            ctx_.stop();
        });
        thread_ = std::thread([this] { ctx_.run(); });
    }
    ~RunningDaemon() { stop(); }
    bool stop()
    {
        if (thread_.joinable()) {
            asio::post(ctx_, [this] { daemon_->stop(); });
            thread_.join();
        }
        return ok_;
    }
    bool grace_expired() const { return daemon_->grace_expired(); }

private:
    asio::io_context ctx_;
    std::unique_ptr<Daemon> daemon_;
    std::thread thread_;
    bool ok_ = false;
};

template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout = 5s)
{
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return pred();
}

void write_file(const fs::path& p, const std::string& content)
{
    std::ofstream(p, std::ios::binary) << content;
}

// Written elsewhere, then renamed in: the way a careful uploader delivers.
void move_in(const fs::path& p, const std::string& content)
{
    fs::path tmp = p.parent_path() / ("." + p.filename().string() + ".part");
    write_file(tmp, content);
    fs::rename(tmp, p);
}

void set_mtime(const fs::path& p, std::chrono::seconds ago)
{
    fs::last_write_time(p, fs::file_time_type::clock::now() - ago);
}

}  // namespace

BOOST_AUTO_TEST_CASE(moved_in_files_are_taken_once_and_junk_is_ignored)
{
    test::TempDir dir("xferd-daemon");
    auto runner = std::make_shared<FakeRunner>();
    RunningDaemon d(base_config(dir), runner);
    std::this_thread::sleep_for(100ms);

    move_in(dir / "inbox" / "a.csv", "A1,38390017\n");
    write_file(dir / "inbox" / "~$a.csv", "office lock");
    write_file(dir / "inbox" / "b.csv.tmp", "A2,1\n");
    write_file(dir / "inbox" / "notes.txt", "hello");
    write_file(dir / "inbox" / ".hidden.csv", "A3,1\n");
    BOOST_REQUIRE(wait_until([&] { return runner->processed().size() == 1; }, 3s));
    BOOST_TEST(runner->processed().at(0) == "a.csv");
    BOOST_TEST(wait_until([&] { return fs::exists(dir / "inbox" / "a.results.csv"); }));
    // Its own outputs (written meanwhile) and another look change nothing.
    std::this_thread::sleep_for(800ms);
    BOOST_TEST(runner->processed().size() == 1u);
    BOOST_TEST(d.stop());
}

BOOST_AUTO_TEST_CASE(a_file_written_slowly_is_read_only_once_complete)
{
    test::TempDir dir("xferd-daemon");
    auto runner = std::make_shared<FakeRunner>();
    RunningDaemon d(base_config(dir), runner);  // settle 300 ms
    std::this_thread::sleep_for(100ms);

    // An HR export that appends a row every 150 ms for about 2 s, closing the file each time.
    const fs::path p = dir / "inbox" / "slow.csv";
    std::string expected;
    for (int i = 0; i < 14; ++i) {
        std::string line = "SLOW-" + std::to_string(i) + ",3839" + std::to_string(1000 + i) + "\n";
        std::ofstream(p, std::ios::app | std::ios::binary) << line;
        expected += line;
        std::this_thread::sleep_for(150ms);
        BOOST_TEST(runner->processed().empty(), "taken half-written after chunk " << i);
    }
    BOOST_REQUIRE(wait_until([&] { return runner->processed().size() == 1; }, 3s));
    BOOST_TEST(runner->contents().at("slow.csv") == expected);
    std::this_thread::sleep_for(500ms);
    BOOST_TEST(runner->processed().size() == 1u);
}

BOOST_AUTO_TEST_CASE(files_already_there_go_oldest_first_two_at_a_time)
{
    test::TempDir dir("xferd-daemon");
    Config config = base_config(dir);
    // Dropped while the daemon was down; mtimes give the order (not the names).
    const std::vector<std::pair<std::string, int>> files{{"e.csv", 50}, {"d.csv", 40}, {"c.csv", 30},
                                                         {"b.csv", 20}, {"a.csv", 10}};
    for (const auto& [name, age] : files) {
        write_file(dir / "inbox" / name, "X-" + name + ",38390017\n");
        set_mtime(dir / "inbox" / name, std::chrono::seconds(age));
    }
    // One that was processed before the restart (results newer than it) is not taken again.
    write_file(dir / "inbox" / "old.csv", "OLD,38390017\n");
    set_mtime(dir / "inbox" / "old.csv", 100s);
    write_file(dir / "inbox" / "old.results.csv", "row,...\n");

    auto runner = std::make_shared<FakeRunner>();
    runner->work = 300ms;
    RunningDaemon d(config, runner);
    BOOST_REQUIRE(wait_until([&] { return runner->processed().size() == 5; }, 6s));
    auto order = runner->processed();
    BOOST_TEST(order == (std::vector<std::string>{"e.csv", "d.csv", "c.csv", "b.csv", "a.csv"}),
               boost::test_tools::per_element());
    BOOST_TEST(runner->max_in_flight() == 2);
}

BOOST_AUTO_TEST_CASE(a_changed_file_is_a_new_version_and_processed_again)
{
    test::TempDir dir("xferd-daemon");
    auto runner = std::make_shared<FakeRunner>();
    RunningDaemon d(base_config(dir), runner);
    std::this_thread::sleep_for(100ms);
    move_in(dir / "inbox" / "a.csv", "A1,38390017\n");
    BOOST_REQUIRE(wait_until([&] { return runner->processed().size() == 1; }));
    move_in(dir / "inbox" / "a.csv", "A1,38390017\nA2,38390048\n");
    BOOST_REQUIRE(wait_until([&] { return runner->processed().size() == 2; }));
    BOOST_TEST(runner->contents().at("a.csv") == "A1,38390017\nA2,38390048\n");
}

BOOST_AUTO_TEST_CASE(the_rescan_finds_what_inotify_did_not_report)
{
    test::TempDir dir("xferd-daemon");
    Config config = base_config(dir);
    config.watch.rescan_interval = 1s;
    // The folder does not exist at start (a network share not mounted yet): no watch possible.
    fs::remove_all(dir / "inbox");
    auto runner = std::make_shared<FakeRunner>();
    RunningDaemon d(config, runner);
    std::this_thread::sleep_for(300ms);
    fs::create_directories(dir / "inbox");
    write_file(dir / "inbox" / "late.csv", "L1,38390017\n");
    BOOST_REQUIRE(wait_until([&] { return runner->processed().size() == 1; }, 5s));
    BOOST_TEST(runner->processed().at(0) == "late.csv");
}

BOOST_AUTO_TEST_SUITE(manual_approval)

// Confirms "batch.csv" in manual mode and waits until it waits for the operator.
struct Waiting {
    test::TempDir dir{"xferd-approval"};
    Config config = base_config(dir, ApprovalMode::manual);
    std::shared_ptr<FakeRunner> runner = std::make_shared<FakeRunner>();
    std::optional<RunningDaemon> daemon;
    fs::path inbox = dir / "inbox";

    Waiting()
    {
        daemon.emplace(config, runner);
        std::this_thread::sleep_for(100ms);
        move_in(inbox / "batch.csv", "HR-1,38390017\nHR-2,X38390048\nHR-3,38390079\n");
        BOOST_REQUIRE(wait_until([&] { return fs::exists(dir / "state" / "approvals") && !fs::is_empty(dir / "state" / "approvals"); }));
        std::this_thread::sleep_for(50ms);
    }
    std::string error_text() { return fs::exists(inbox / "batch.error.txt") ? test::read_text(inbox / "batch.error.txt") : ""; }
};

BOOST_FIXTURE_TEST_CASE(approve_file_submits_the_eligible_rows_named, Waiting)
{
    BOOST_TEST(runner->submitted().empty());
    move_in(inbox / "batch.approve", "# ok by J.\nHR-3\nHR-2\n");
    BOOST_REQUIRE(wait_until([&] { return runner->submitted().size() == 1; }));
    BOOST_TEST(runner->submitted()[0].name == "batch.csv");
    BOOST_TEST(runner->submitted()[0].rows == (std::vector<std::size_t>{3}), boost::test_tools::per_element());
    // The wait is over: nothing left in the state, the same approval does nothing more.
    BOOST_TEST(wait_until([&] { return fs::is_empty(dir / "state" / "approvals"); }));
    std::this_thread::sleep_for(500ms);
    BOOST_TEST(runner->submitted().size() == 1u);
    BOOST_TEST(error_text().empty());
}

BOOST_FIXTURE_TEST_CASE(confirmation_saved_back_with_the_approve_column, Waiting)
{
    std::string csv = test::read_text(inbox / "batch.confirmation.csv");
    // Mark rows 1 and 3 the way an operator in Excel would: an x in the last column.
    std::string out;
    std::size_t line = 0, at = 0;
    while (at < csv.size()) {
        auto nl = csv.find("\r\n", at);
        std::string l = csv.substr(at, nl - at);
        at = nl + 2;
        if (line == 1 || line == 3) l += "x";
        out += l + "\r\n";
        ++line;
    }
    move_in(inbox / "batch.approved.csv", out);
    BOOST_REQUIRE(wait_until([&] { return runner->submitted().size() == 1; }));
    BOOST_TEST(runner->submitted()[0].rows == (std::vector<std::size_t>{1, 3}), boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(unknown_numbers_are_refused_with_a_message_next_to_the_input, Waiting)
{
    move_in(inbox / "batch.approve", "HR-1\nHR-9\n");
    BOOST_REQUIRE(wait_until([&] { return !error_text().empty(); }));
    BOOST_TEST(error_text().find("batch.approve: approval refused") != std::string::npos, error_text());
    BOOST_TEST(error_text().find("HR-9") != std::string::npos, error_text());
    BOOST_TEST(test::read_text(inbox / "batch.log").find("approval refused") != std::string::npos);
    std::this_thread::sleep_for(300ms);
    BOOST_TEST(runner->submitted().empty());
    // Corrected: accepted.
    move_in(inbox / "batch.approve", "HR-1\n");
    BOOST_REQUIRE(wait_until([&] { return runner->submitted().size() == 1; }));
    BOOST_TEST(runner->submitted()[0].rows == (std::vector<std::size_t>{1}), boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(a_refused_approval_is_not_refused_again_after_a_restart, Waiting)
{
    move_in(inbox / "batch.approve", "HR-9\n");
    BOOST_REQUIRE(wait_until([&] { return !error_text().empty(); }));
    daemon.reset();
    daemon.emplace(config, runner);
    std::this_thread::sleep_for(800ms);
    BOOST_TEST(!fs::exists(inbox / "batch.error.1.txt"));  // no second refusal kept aside
    BOOST_TEST(runner->submitted().empty());
}

BOOST_FIXTURE_TEST_CASE(an_approval_written_while_the_batch_is_confirmed_anew_is_not_applied_to_the_new_confirmation, Waiting)
{
    // The input is edited after confirmation; the operator approves while the new version is
    // being confirmed.
    runner->work = 1500ms;
    move_in(inbox / "batch.csv", "HR-1,38390017\nHR-2,X38390048\nHR-4,38390079\n");
    std::this_thread::sleep_for(100ms);
    // It is being confirmed anew: an approval now is held until that is done, and then it
    // predates the new confirmation, so it is not applied to it.
    move_in(inbox / "batch.approve", "all\n");
    BOOST_REQUIRE(wait_until([&] { return runner->processed().size() == 2; }));
    std::this_thread::sleep_for(2000ms);
    BOOST_TEST(runner->submitted().empty());
}

BOOST_FIXTURE_TEST_CASE(an_approval_for_content_that_changed_under_it_is_refused, Waiting)
{
    // While xferd is down the input is edited and an approval dropped: the approval is for what
    // was confirmed, not for the new content, so it is refused; the new content is confirmed.
    daemon.reset();
    write_file(inbox / "batch.csv", "HR-1,38390017\nHR-2,X38390048\nHR-3,38390080\n");
    move_in(inbox / "batch.approve", "all\n");
    daemon.emplace(config, runner);
    BOOST_REQUIRE(wait_until([&] { return !error_text().empty(); }));
    BOOST_TEST(error_text().find("batch.csv changed since it was confirmed") != std::string::npos, error_text());
    BOOST_REQUIRE(wait_until([&] { return runner->processed().size() == 2; }));
    std::this_thread::sleep_for(300ms);
    BOOST_TEST(runner->submitted().empty());
}

BOOST_FIXTURE_TEST_CASE(a_confirmation_older_than_max_age_is_refused, Waiting)
{
    daemon.reset();
    config.approval.max_age = std::chrono::seconds(0);
    daemon.emplace(config, runner);
    std::this_thread::sleep_for(1100ms);
    move_in(inbox / "batch.approve", "all\n");
    BOOST_REQUIRE(wait_until([&] { return !error_text().empty(); }));
    BOOST_TEST(error_text().find("older than approval.max_age") != std::string::npos, error_text());
    BOOST_TEST(runner->submitted().empty());
}

BOOST_FIXTURE_TEST_CASE(the_wait_survives_a_restart, Waiting)
{
    daemon.reset();  // stopped while waiting for the operator
    move_in(inbox / "batch.approve", "all\n");  // approved while xferd was down
    auto fresh = std::make_shared<FakeRunner>();
    daemon.emplace(config, fresh);
    BOOST_REQUIRE(wait_until([&] { return fresh->submitted().size() == 1; }));
    BOOST_TEST(fresh->processed().empty());  // not confirmed again
    BOOST_TEST(fresh->submitted()[0].rows == (std::vector<std::size_t>{1, 3}), boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(an_old_approval_file_left_from_an_earlier_round_is_not_applied, Waiting)
{
    // NAME.approve from yesterday's batch of the same name, moved back in with its old mtime.
    write_file(dir / "old.approve", "all\n");
    set_mtime(dir / "old.approve", 24h);
    fs::rename(dir / "old.approve", inbox / "batch.approve");
    std::this_thread::sleep_for(1000ms);
    BOOST_TEST(runner->submitted().empty());
    BOOST_TEST(error_text().empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(stop_lets_the_running_batch_finish)
{
    test::TempDir dir("xferd-daemon");
    auto runner = std::make_shared<FakeRunner>();
    runner->work = 1000ms;
    RunningDaemon d(base_config(dir), runner);
    std::this_thread::sleep_for(100ms);
    move_in(dir / "inbox" / "a.csv", "A1,38390017\n");
    BOOST_REQUIRE(wait_until([&] { return runner->processed().size() == 1; }));
    auto t0 = std::chrono::steady_clock::now();
    BOOST_TEST(d.stop());
    BOOST_TEST((std::chrono::steady_clock::now() - t0 >= 500ms));
    BOOST_TEST(fs::exists(dir / "inbox" / "a.results.csv"));
}

BOOST_AUTO_TEST_CASE(stop_does_not_wait_longer_than_the_grace_period)
{
    test::TempDir dir("xferd-daemon");
    Config config = base_config(dir);
    config.watch.shutdown_grace = 300ms;
    auto runner = std::make_shared<FakeRunner>();
    runner->work = 5000ms;
    RunningDaemon d(config, runner);
    std::this_thread::sleep_for(100ms);
    move_in(dir / "inbox" / "long.csv", "L1,38390017\n");
    BOOST_REQUIRE(wait_until([&] { return runner->processed().size() == 1; }));
    auto t0 = std::chrono::steady_clock::now();
    BOOST_TEST(d.stop());
    BOOST_TEST((std::chrono::steady_clock::now() - t0 < 2s));
    BOOST_TEST(d.grace_expired());
}
