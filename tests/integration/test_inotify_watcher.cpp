// The inotify decoder with handmade kernel buffers (events split anywhere), the classification
// of events into what the daemon acts on, and the watcher on a real folder.
#include "xferd/service/inotify_watcher.hpp"

#include "temp_dir.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/inotify.h>

#include <cstring>
#include <fstream>

using namespace xferd;
namespace fs = std::filesystem;

namespace {

// One event as the kernel lays it out: header, then the name NUL-padded to `len`.
std::string event_bytes(int wd, std::uint32_t mask, const std::string& name, std::uint32_t cookie = 0)
{
    std::uint32_t len = name.empty() ? 0 : static_cast<std::uint32_t>((name.size() / 16 + 1) * 16);
    struct inotify_event ev {};
    ev.wd = wd;
    ev.mask = mask;
    ev.cookie = cookie;
    ev.len = len;
    std::string out(reinterpret_cast<const char*>(&ev), sizeof ev);
    std::string padded = name;
    padded.resize(len, '\0');
    return out + padded;
}

const std::map<int, fs::path> folders{{1, "/srv/xferd/inbox"}, {2, "/srv/xferd/hr"}};

}  // namespace

BOOST_AUTO_TEST_SUITE(decoder)

BOOST_AUTO_TEST_CASE(whole_buffer_of_several_events)
{
    std::string bytes = event_bytes(1, IN_MOVED_TO, "offboarding.csv", 7) + event_bytes(2, IN_CLOSE_WRITE, "a.json") +
                        event_bytes(-1, IN_Q_OVERFLOW, "") + event_bytes(1, IN_DELETE, "a-much-longer-file-name-2024.csv");
    InotifyDecoder d;
    std::vector<InotifyRecord> out;
    d.feed(bytes, out);
    BOOST_REQUIRE(out.size() == 4u);
    BOOST_TEST(out[0].wd == 1);
    BOOST_TEST(out[0].mask == std::uint32_t(IN_MOVED_TO));
    BOOST_TEST(out[0].cookie == 7u);
    BOOST_TEST(out[0].name == "offboarding.csv");  // NUL padding stripped
    BOOST_TEST(out[1].name == "a.json");
    BOOST_TEST(out[2].wd == -1);
    BOOST_TEST(out[2].name.empty());
    BOOST_TEST(out[3].name == "a-much-longer-file-name-2024.csv");
    BOOST_TEST(d.buffered() == 0u);
}

BOOST_AUTO_TEST_CASE(events_split_at_every_possible_byte)
{
    std::string bytes = event_bytes(1, IN_MOVED_TO, "one.csv") + event_bytes(2, IN_CLOSE_WRITE, "two-two-two-two-two.csv") +
                        event_bytes(1, IN_MOVED_FROM, "three.ndjson");
    for (std::size_t cut1 = 0; cut1 <= bytes.size(); ++cut1) {
        for (std::size_t cut2 = cut1; cut2 <= bytes.size(); cut2 += 7) {
            InotifyDecoder d;
            std::vector<InotifyRecord> out;
            d.feed(std::string_view(bytes).substr(0, cut1), out);
            d.feed(std::string_view(bytes).substr(cut1, cut2 - cut1), out);
            d.feed(std::string_view(bytes).substr(cut2), out);
            BOOST_REQUIRE(out.size() == 3u);
            BOOST_TEST(out[0].name == "one.csv");
            BOOST_TEST(out[1].name == "two-two-two-two-two.csv");
            BOOST_TEST(out[2].name == "three.ndjson");
            BOOST_TEST(d.buffered() == 0u);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_partial_event_waits_for_the_rest)
{
    std::string bytes = event_bytes(1, IN_MOVED_TO, "batch.csv");
    InotifyDecoder d;
    std::vector<InotifyRecord> out;
    d.feed(std::string_view(bytes).substr(0, sizeof(struct inotify_event) + 3), out);
    BOOST_TEST(out.empty());
    BOOST_TEST(d.buffered() == sizeof(struct inotify_event) + 3);
    d.feed(std::string_view(bytes).substr(sizeof(struct inotify_event) + 3), out);
    BOOST_REQUIRE(out.size() == 1u);
    BOOST_TEST(out[0].name == "batch.csv");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(classification)

BOOST_AUTO_TEST_CASE(batch_files_and_approvals_are_reported)
{
    auto moved = classify({1, IN_MOVED_TO, 0, "offboarding.csv"}, folders);
    BOOST_REQUIRE(moved.has_value());
    BOOST_TEST((moved->kind == WatchEvent::Kind::moved_in));
    BOOST_TEST(moved->path == fs::path("/srv/xferd/inbox/offboarding.csv"));

    auto closed = classify({2, IN_CLOSE_WRITE, 0, "feed.JSONL"}, folders);
    BOOST_REQUIRE(closed.has_value());
    BOOST_TEST((closed->kind == WatchEvent::Kind::close_write));
    auto written = classify({2, IN_MODIFY, 0, "feed.csv"}, folders);
    BOOST_REQUIRE(written.has_value());
    BOOST_TEST((written->kind == WatchEvent::Kind::modified));
    BOOST_TEST(!classify({2, IN_MODIFY, 0, "feed.csv.part"}, folders).has_value());
    BOOST_TEST(closed->path == fs::path("/srv/xferd/hr/feed.JSONL"));

    for (auto mask : {std::uint32_t(IN_DELETE), std::uint32_t(IN_MOVED_FROM)}) {
        auto gone = classify({1, mask, 0, "offboarding.csv"}, folders);
        BOOST_REQUIRE(gone.has_value());
        BOOST_TEST((gone->kind == WatchEvent::Kind::removed));
    }
    for (std::string name : {"offboarding.approve", "offboarding.approved.csv", "Offboarding.APPROVED.CSV"}) {
        auto a = classify({1, IN_CLOSE_WRITE, 0, name}, folders);
        BOOST_TEST(a.has_value(), name);
    }
}

BOOST_AUTO_TEST_CASE(temp_lock_hidden_and_own_outputs_are_ignored)
{
    for (std::string name : {"~$offboarding.csv", ".offboarding.csv", "offboarding.csv.tmp", "offboarding.csv.part",
                             ".offboarding.csv.swp", "offboarding.csv~", "offboarding.results.csv",
                             "offboarding.confirmation.csv", "offboarding.confirmation.html", "offboarding.log",
                             "offboarding.error.txt", "offboarding.results.1.csv", "notes.txt", "report.pdf",
                             ".approve", "~$offboarding.approved.csv"}) {
        BOOST_TEST(!classify({1, IN_CLOSE_WRITE, 0, name}, folders).has_value(), name);
        BOOST_TEST(!classify({1, IN_MOVED_TO, 0, name}, folders).has_value(), name);
    }
    // A sub-folder named like a batch, and an event for a watch that was removed.
    BOOST_TEST(!classify({1, IN_MOVED_TO | IN_ISDIR, 0, "old.csv"}, folders).has_value());
    BOOST_TEST(!classify({9, IN_MOVED_TO, 0, "a.csv"}, folders).has_value());
}

BOOST_AUTO_TEST_CASE(overflow_and_folder_gone)
{
    auto o = classify({-1, IN_Q_OVERFLOW, 0, ""}, folders);
    BOOST_REQUIRE(o.has_value());
    BOOST_TEST((o->kind == WatchEvent::Kind::overflow));
    for (auto mask : {std::uint32_t(IN_DELETE_SELF), std::uint32_t(IN_MOVE_SELF), std::uint32_t(IN_IGNORED)}) {
        auto g = classify({2, mask, 0, ""}, folders);
        BOOST_REQUIRE(g.has_value());
        BOOST_TEST((g->kind == WatchEvent::Kind::folder_gone));
        BOOST_TEST(g->path == fs::path("/srv/xferd/hr"));
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(watcher_on_a_real_folder)
{
    test::TempDir dir("xferd-inotify");
    asio::io_context ctx;
    auto w = InotifyWatcher::create(ctx.get_executor());
    BOOST_REQUIRE(w.has_value());
    auto& watcher = **w;
    BOOST_REQUIRE(watcher.watch(dir.path()).has_value());
    BOOST_TEST(watcher.watching(dir.path()));
    BOOST_TEST(!watcher.watch(dir.path() / "missing").has_value());

    // A lock file and a temp file (ignored), a file written in place, one moved in, one deleted.
    auto write = [](const fs::path& p, const std::string& s) { std::ofstream(p) << s; };
    write(dir / "~$batch.csv", "x");
    write(dir / "upload.part", "x");
    write(dir / "written.csv", "a,b\n");
    write(dir / "staging.tmp", "a,b\n");
    fs::rename(dir / "staging.tmp", dir / "moved.csv");
    fs::remove(dir / "written.csv");

    std::vector<WatchEvent> seen;
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            while (seen.size() < 4) {
                auto batch = co_await watcher.next();
                if (!batch) break;
                for (auto& e : *batch) seen.push_back(e);
            }
            watcher.close();
        },
        asio::detached);
    ctx.run_for(std::chrono::seconds(5));
    // The write in place is seen as it happens (open for writing) and as it closes.
    BOOST_REQUIRE(seen.size() == 4u);
    BOOST_TEST((seen[0].kind == WatchEvent::Kind::modified));
    BOOST_TEST(seen[0].path == dir / "written.csv");
    BOOST_TEST((seen[1].kind == WatchEvent::Kind::close_write));
    BOOST_TEST(seen[1].path == dir / "written.csv");
    BOOST_TEST((seen[2].kind == WatchEvent::Kind::moved_in));
    BOOST_TEST(seen[2].path == dir / "moved.csv");
    BOOST_TEST((seen[3].kind == WatchEvent::Kind::removed));
    BOOST_TEST(seen[3].path == dir / "written.csv");
}
