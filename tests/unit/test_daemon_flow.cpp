// The daemon's decisions (core/daemon_flow.hpp) with a fake clock and no threads: events in,
// actions out, as the driver would feed them.
#include "xferd/core/daemon_flow.hpp"

#include <boost/test/unit_test.hpp>

using namespace xferd;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Kind = DaemonEvent::Kind;
using Act = DaemonAction::Kind;
using Clock = std::chrono::steady_clock;

namespace {

const fs::path inbox = "/srv/xferd/inbox";

struct Flow {
    DaemonFlow flow;
    Clock::time_point t0 = Clock::time_point{} + 1000h;
    Clock::time_point now = t0;
    std::vector<DaemonAction> last;        // actions of the last event
    std::vector<DaemonAction> started;     // every start_job so far

    explicit Flow(DaemonSettings s = {1s, 10s, 5s, 2})
    {
        DaemonEvent e;
        e.kind = Kind::configured;
        e.settings = s;
        on(e);
    }
    const std::vector<DaemonAction>& on(DaemonEvent e)
    {
        e.now = now;
        last = flow.on(e);
        for (const auto& a : last)
            if (a.kind == Act::start_job) started.push_back(a);
        return last;
    }
    const std::vector<DaemonAction>& file(Kind kind, const std::string& name, std::uint64_t size = 100,
                                          std::int64_t mtime = 1)
    {
        DaemonEvent e;
        e.kind = kind;
        e.path = inbox / name;
        if (kind != Kind::file_modified && kind != Kind::file_deleted) e.stamp = FileStamp{size, mtime};
        return on(e);
    }
    const std::vector<DaemonAction>& finished(std::uint64_t job, JobEnd end = JobEnd::done)
    {
        DaemonEvent e;
        e.kind = Kind::batch_finished;
        e.job = job;
        e.end = end;
        return on(e);
    }
    const std::vector<DaemonAction>& simple(Kind kind)
    {
        DaemonEvent e;
        e.kind = kind;
        return on(e);
    }
    void advance(std::chrono::milliseconds d) { now += d; }
    [[nodiscard]] std::size_t count(Act kind) const
    {
        return std::count_if(last.begin(), last.end(), [&](const DaemonAction& a) { return a.kind == kind; });
    }
    [[nodiscard]] const DaemonAction* find(Act kind) const
    {
        for (const auto& a : last)
            if (a.kind == kind) return &a;
        return nullptr;
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(the_first_event_rescans_and_arms_the_next_rescan)
{
    Flow f;
    BOOST_TEST(f.count(Act::rescan) == 1u);
    auto* timer = f.find(Act::arm_timer);
    BOOST_REQUIRE(timer);
    BOOST_TEST((timer->at == f.t0 + 10s));
    f.advance(5s);
    f.simple(Kind::timer_fired);   // early: nothing due yet
    BOOST_TEST(f.count(Act::rescan) == 0u);
    f.advance(5s);
    f.simple(Kind::timer_fired);
    BOOST_TEST(f.count(Act::rescan) == 1u);
    BOOST_TEST((f.find(Act::arm_timer)->at == f.t0 + 20s));
}

BOOST_AUTO_TEST_CASE(a_file_moved_in_is_taken_at_once)
{
    Flow f;
    f.file(Kind::file_moved_in, "offboarding.csv");
    BOOST_REQUIRE(f.count(Act::start_job) == 1u);
    auto* start = f.find(Act::start_job);
    BOOST_TEST((start->job_kind == JobKind::take));
    BOOST_TEST(start->path == inbox / "offboarding.csv");
    BOOST_TEST(f.flow.running().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_file_closed_after_writing_is_taken_once_unchanged_for_settle)
{
    Flow f;
    f.file(Kind::file_closed, "feed.csv");
    BOOST_TEST(f.count(Act::start_job) == 0u);
    BOOST_TEST((f.find(Act::arm_timer)->at == f.now + 1s));   // the settle deadline, before the rescan
    f.advance(1s);
    f.simple(Kind::timer_fired);
    BOOST_REQUIRE(f.count(Act::look) == 1u);                 // the driver stats it again
    BOOST_TEST(f.find(Act::look)->path == inbox / "feed.csv");
    f.file(Kind::file_seen, "feed.csv");                     // unchanged
    BOOST_TEST(f.count(Act::start_job) == 1u);
    // The same version is never handed out twice, whatever the rescans find.
    f.finished(f.started.at(0).job);
    for (int i = 0; i < 5; ++i) {
        f.advance(2s);
        f.file(Kind::file_seen, "feed.csv");
    }
    BOOST_TEST(f.started.size() == 1u);
}

// Issue 8 case 2: an SFTP upload in place, a block every few seconds, the file never closed in
// between. A rescan sees it unchanged for longer than settle between two blocks: still never taken.
BOOST_AUTO_TEST_CASE(a_file_open_for_writing_is_never_taken_whatever_settle_says)
{
    Flow f;
    std::uint64_t size = 0;
    for (int block = 0; block < 10; ++block) {
        size += 8192;
        f.file(Kind::file_modified, "upload.csv");
        for (int look = 0; look < 4; ++look) {   // 4 s between blocks, a rescan every second
            f.file(Kind::file_seen, "upload.csv", size, block);
            f.advance(1s);
            f.simple(Kind::timer_fired);
            BOOST_TEST(f.count(Act::look) == 0u);   // no settle deadline while it is open
        }
    }
    BOOST_TEST(f.started.empty());
    BOOST_TEST(f.flow.tracker().open_for_writing(inbox / "upload.csv"));
    // Closed: taken once it stays unchanged for settle, as one batch.
    f.file(Kind::file_closed, "upload.csv", size, 10);
    BOOST_TEST(f.started.empty());
    f.advance(1s);
    f.file(Kind::file_seen, "upload.csv", size, 10);
    BOOST_REQUIRE(f.started.size() == 1u);
    BOOST_TEST(f.started[0].path == inbox / "upload.csv");
}

BOOST_AUTO_TEST_CASE(lost_events_forget_the_writers_and_rescan)
{
    Flow f;
    f.file(Kind::file_modified, "upload.csv");
    f.simple(Kind::events_lost);   // its IN_CLOSE_WRITE may be among the lost events
    BOOST_TEST(f.count(Act::rescan) == 1u);
    BOOST_TEST(f.count(Act::log) == 1u);
    BOOST_TEST(!f.flow.tracker().open_for_writing(inbox / "upload.csv"));
    f.file(Kind::file_seen, "upload.csv");
    f.advance(1s);
    f.file(Kind::file_seen, "upload.csv");
    BOOST_TEST(f.started.size() == 1u);   // intake's read-lease check is the guard from here
}

BOOST_AUTO_TEST_CASE(at_most_max_parallel_batches_oldest_first_one_job_per_input)
{
    Flow f;
    f.file(Kind::file_moved_in, "a.csv", 10, 300);
    f.file(Kind::file_moved_in, "b.csv", 10, 200);
    f.file(Kind::file_moved_in, "c.csv", 10, 100);
    f.file(Kind::file_moved_in, "d.csv", 10, 50);
    BOOST_REQUIRE(f.started.size() == 2u);
    BOOST_TEST(f.flow.queued() == 2u);
    BOOST_TEST(f.started[0].path == inbox / "a.csv");
    BOOST_TEST(f.started[1].path == inbox / "b.csv");
    f.finished(f.started[0].job);
    BOOST_REQUIRE(f.started.size() == 3u);
    BOOST_TEST(f.started[2].path == inbox / "d.csv");   // the oldest of those waiting
    BOOST_TEST(f.count(Act::report) == 1u);
    BOOST_TEST(f.find(Act::report)->path == inbox / "a.csv");

    // A job for an input already running waits for it.
    DaemonEvent stored;
    stored.kind = Kind::stored_batch;
    stored.path = inbox / "b.csv";
    stored.batch = 7;
    stored.waiting = true;
    f.on(stored);
    f.finished(f.started[2].job);
    BOOST_REQUIRE(f.started.size() == 4u);
    BOOST_TEST(f.started[3].path == inbox / "c.csv");
    f.finished(f.started[1].job);   // b.csv's take is over: now its approval job
    BOOST_REQUIRE(f.started.size() == 5u);
    BOOST_TEST((f.started[4].job_kind == JobKind::approve));
    BOOST_TEST(f.started[4].batch == 7);
}

BOOST_AUTO_TEST_CASE(a_job_to_retry_takes_the_same_version_again)
{
    Flow f;
    f.file(Kind::file_moved_in, "later.csv");
    f.finished(f.started.at(0).job, JobEnd::retry_later);   // e.g. the API was down
    f.file(Kind::file_seen, "later.csv");
    BOOST_TEST(f.started.size() == 1u);
    f.advance(1s);
    f.file(Kind::file_seen, "later.csv");
    BOOST_TEST(f.started.size() == 2u);
}

BOOST_AUTO_TEST_CASE(waiting_batches_and_approval_files)
{
    Flow f;
    f.file(Kind::file_moved_in, "review.csv");
    f.finished(f.started.at(0).job, JobEnd::waiting);
    BOOST_TEST(f.flow.waiting() == 1u);
    f.file(Kind::file_moved_in, "review.approve");
    BOOST_REQUIRE(f.count(Act::match_approval) == 1u);   // which batch it is for is the store's to say
    BOOST_TEST(f.find(Act::match_approval)->path == inbox / "review.approve");
    BOOST_TEST(f.started.size() == 1u);
    DaemonEvent matched;
    matched.kind = Kind::approval_for;
    matched.path = inbox / "review.csv";
    matched.approval = inbox / "review.approve";
    matched.batch = 3;
    f.on(matched);
    BOOST_REQUIRE(f.started.size() == 2u);
    BOOST_TEST((f.started[1].job_kind == JobKind::approve));
    BOOST_TEST(f.started[1].path == inbox / "review.csv");
    f.finished(f.started[1].job);
    BOOST_TEST(f.flow.waiting() == 0u);
}

BOOST_AUTO_TEST_CASE(a_file_deleted_before_its_turn_is_not_taken)
{
    Flow f(DaemonSettings{1s, 10s, 5s, 1});
    f.file(Kind::file_moved_in, "a.csv", 10, 1);
    f.file(Kind::file_moved_in, "b.csv", 10, 2);
    BOOST_TEST(f.flow.queued() == 1u);
    f.file(Kind::file_deleted, "b.csv");
    BOOST_TEST(f.flow.queued() == 0u);
    f.finished(f.started.at(0).job);
    BOOST_TEST(f.started.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_stop_starts_nothing_more_and_exits_once_the_running_ones_end)
{
    Flow f(DaemonSettings{1s, 10s, 5s, 1});
    f.file(Kind::file_moved_in, "a.csv", 10, 1);
    f.file(Kind::file_moved_in, "b.csv", 10, 2);
    f.simple(Kind::stop_requested);
    BOOST_TEST(f.flow.stopping());
    BOOST_TEST(f.flow.queued() == 0u);   // found again at the next start
    BOOST_REQUIRE(f.find(Act::log));
    BOOST_TEST(f.find(Act::log)->text == "stopping: 1 running batch to finish, 1 queued batch left for the next start");
    BOOST_REQUIRE(f.find(Act::arm_grace));
    BOOST_TEST((f.find(Act::arm_grace)->at == f.now + 5s));
    BOOST_TEST(f.count(Act::exit) == 0u);
    f.file(Kind::file_moved_in, "c.csv", 10, 3);
    BOOST_TEST(f.count(Act::start_job) == 0u);
    f.finished(f.started.at(0).job);
    BOOST_TEST(f.count(Act::report) == 1u);
    BOOST_REQUIRE(f.find(Act::exit));
    BOOST_TEST(!f.find(Act::exit)->grace_expired);
    BOOST_TEST(f.simple(Kind::grace_expired).empty());   // over: nothing more happens
}

BOOST_AUTO_TEST_CASE(the_grace_period_ends_a_stop_with_batches_still_running)
{
    Flow f;
    f.file(Kind::file_moved_in, "a.csv");
    f.simple(Kind::stop_requested);
    f.advance(5s);
    f.simple(Kind::grace_expired);
    BOOST_REQUIRE(f.find(Act::exit));
    BOOST_TEST(f.find(Act::exit)->grace_expired);
    BOOST_TEST(f.find(Act::log)->text.find("1 batch still running; exiting anyway") != std::string::npos);
    BOOST_TEST(f.finished(f.started.at(0).job).empty());
}

BOOST_AUTO_TEST_CASE(a_stop_while_idle_exits_at_once)
{
    Flow f;
    f.simple(Kind::stop_requested);
    BOOST_TEST(f.count(Act::exit) == 1u);
    BOOST_TEST(f.count(Act::arm_grace) == 0u);
}

BOOST_AUTO_TEST_CASE(a_dropped_inbox_loses_its_queued_jobs)
{
    Flow f(DaemonSettings{1s, 10s, 5s, 1});
    f.file(Kind::file_moved_in, "a.csv", 10, 1);
    f.file(Kind::file_moved_in, "b.csv", 10, 2);
    DaemonEvent dropped;
    dropped.kind = Kind::inbox_dropped;
    dropped.path = inbox;
    f.on(dropped);
    BOOST_TEST(f.flow.queued() == 0u);
}

BOOST_AUTO_TEST_CASE(approval_file_names)
{
    BOOST_TEST(is_approval_file("/x/review.approve"));
    BOOST_TEST(is_approval_file("/x/review.APPROVED.csv"));
    BOOST_TEST(is_approval_file("/x/review.approved.xlsx"));
    BOOST_TEST(!is_approval_file("/x/.approve"));
    BOOST_TEST(!is_approval_file("/x/~$review.approved.xlsx"));
    BOOST_TEST(!is_approval_file("/x/review.csv"));
}
