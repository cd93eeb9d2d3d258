// What lands in an inbox is not always a batch: symlinks (to a secret, to a batch elsewhere),
// FIFOs, names with control characters, a state_dir that fills up. Each is refused or deferred
// with a clear word, never opened through, never quoted, never lost.
#include "xferd_cli.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>

using namespace xferd;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string one_row = "external_order_number,service_id,service_number,contact_number,personal_email\n"
                            "HR-2026-0001,38390017,3035550190,4155550100,leaver@mail.example\n";
const std::string secret_line = "s3cr3t-Do-Not-Print-7c1e";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Everything a user or an uploader can read back: stdout, stderr, and every file xferd wrote next
// to the inbox entry.
std::string all_output(const test::CliRun& r, const fs::path& inbox)
{
    std::string all = r.out + r.err;
    for (const auto& e : fs::directory_iterator(inbox))
        if (e.is_regular_file() && !e.is_symlink()) all += test::read_text(e.path());
    return all;
}

// A small tmpfs of its own (root only; CI runs as root). False where mounting is not allowed.
struct SmallDisk {
    fs::path dir;
    bool mounted = false;
    SmallDisk(fs::path d, const std::string& size) : dir(std::move(d))
    {
        fs::create_directories(dir);
        mounted = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    }
    void resize(const std::string& size)
    {
        BOOST_REQUIRE(::mount("tmpfs", dir.c_str(), "tmpfs", MS_REMOUNT, ("size=" + size).c_str()) == 0);
    }
    ~SmallDisk()
    {
        if (mounted) ::umount2(dir.c_str(), MNT_DETACH);
    }
};

bool can_mount_tmpfs()
{
    test::TempDir probe;
    SmallDisk d(probe / "disk", "64k");
    return d.mounted;
}

// Writes to `file` until its disk says it is full.
void fill_up(const fs::path& file)
{
    std::ofstream filler(file, std::ios::binary);
    const std::string chunk(64 * 1024, 'x');
    while (filler.write(chunk.data(), static_cast<std::streamsize>(chunk.size())) && filler.flush()) {
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile_files)

BOOST_AUTO_TEST_CASE(a_symlink_to_the_api_secret_is_refused_and_nothing_of_it_is_quoted)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = test::write_sim_config(dir, sim);
    std::ofstream(dir / "secret_elsewhere") << secret_line << "\nsecond line\n";
    fs::create_symlink(dir / "secret_elsewhere", dir / "inbox" / "x.csv");

    auto r = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 1, r.out << r.err);
    const std::string said = r.out + r.err;
    BOOST_TEST(contains(said, "x.csv"), said);
    BOOST_TEST(contains(said, "symbolic link"), said);
    BOOST_TEST(!contains(all_output(r, dir / "inbox"), secret_line));
    BOOST_TEST(!contains(all_output(r, dir / "inbox"), "second line"));
    BOOST_TEST(fs::is_symlink(dir / "inbox" / "x.csv"), "the entry is left alone");
}

BOOST_AUTO_TEST_CASE(a_symlink_to_a_valid_batch_outside_the_inbox_places_no_order)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = test::write_sim_config(dir, sim);
    std::ofstream(dir / "outside.csv") << one_row;
    fs::create_symlink(dir / "outside.csv", dir / "inbox" / "linked.csv");

    auto r = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 1, r.out << r.err);
    BOOST_TEST(test::orders_placed(sim) == 0u);
    BOOST_TEST(contains(r.out + r.err, "linked.csv"));
    BOOST_TEST(!fs::exists(dir / "inbox" / "linked.results.csv"));

    // The same content as a regular file of its own is a batch like any other.
    fs::remove(dir / "inbox" / "linked.csv");
    fs::copy_file(dir / "outside.csv", dir / "inbox" / "real.csv");
    auto ok = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(ok.status == 0, ok.out << ok.err);
    BOOST_TEST(test::orders_placed(sim) == 1u);
}

BOOST_AUTO_TEST_CASE(a_fifo_in_the_inbox_is_never_opened_and_once_does_not_hang)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = test::write_sim_config(dir, sim);
    BOOST_REQUIRE(::mkfifo((dir / "inbox" / "pipe.csv").c_str(), 0600) == 0);
    std::ofstream(dir / "inbox" / "good.csv") << one_row;

    auto r = test::run_xferd(dir, {"once", "--config", config.string()}, 30s);
    BOOST_TEST(r.status == 1, r.out << r.err);
    BOOST_TEST(contains(r.out + r.err, "pipe.csv"));
    BOOST_TEST(contains(r.out + r.err, "FIFO"), r.out << r.err);
    // The rest of the inbox goes on.
    BOOST_TEST(test::orders_placed(sim) == 1u);
    BOOST_TEST(contains(test::read_text(dir / "inbox" / "good.results.csv"), ",SUBMITTED,"));
}

BOOST_AUTO_TEST_CASE(validate_refuses_a_fifo_and_a_symlink_without_reading_them)
{
    test::TempDir dir;
    BOOST_REQUIRE(::mkfifo((dir / "pipe.csv").c_str(), 0600) == 0);
    auto fifo = test::run_xferd(dir, {"validate", (dir / "pipe.csv").string()}, 30s);
    BOOST_TEST(fifo.status != 0);
    BOOST_TEST(contains(fifo.out + fifo.err, "FIFO"), fifo.out << fifo.err);

    std::ofstream(dir / "secret") << secret_line << "\n";
    fs::create_symlink(dir / "secret", dir / "link.csv");
    auto link = test::run_xferd(dir, {"validate", (dir / "link.csv").string()});
    BOOST_TEST(link.status != 0);
    BOOST_TEST(contains(link.out + link.err, "symbolic link"), link.out << link.err);
    BOOST_TEST(!contains(link.out + link.err, secret_line));
}

BOOST_AUTO_TEST_CASE(control_characters_in_a_file_name_cannot_forge_output_lines)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = test::write_sim_config(dir, sim);
    const std::string evil = "evil\nERROR forged line\r\x1b[2K.csv";
    std::ofstream(dir / "inbox" / evil) << one_row;

    auto r = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 0, r.out << r.err);
    for (const std::string* stream : {&r.out, &r.err}) {
        BOOST_TEST(!contains(*stream, "\nERROR forged line"), *stream);
        BOOST_TEST(!contains(*stream, "\x1b"), *stream);
        BOOST_TEST(!contains(*stream, "\r"), *stream);
    }
    BOOST_TEST(contains(r.out, "evil\\nERROR forged line"), r.out);
    BOOST_TEST(test::orders_placed(sim) == 1u);

    // The same content again under a plain name: the duplicate message names the first file, escaped.
    fs::copy_file(dir / "inbox" / evil, dir / "inbox" / "copy.csv");
    auto dup = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(contains(dup.out + dup.err, "duplicate"), dup.out << dup.err);
    for (const std::string& text : {dup.out, dup.err, test::read_text(dir / "inbox" / "copy.error.txt")}) {
        BOOST_TEST(!contains(text, "\nERROR forged line"), text);
        BOOST_TEST(!contains(text, "\x1b"), text);
    }
}

BOOST_AUTO_TEST_CASE(the_state_dir_xferd_creates_is_private)
{
    test::SimFixture sim;
    test::TempDir dir;
    ::umask(022);
    auto config = test::write_sim_config(dir, sim, test::demo::password, "auto", "", "state/xferd");
    std::ofstream(dir / "inbox" / "b.csv") << one_row;
    auto r = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 0, r.out << r.err);
    for (const auto& e : fs::recursive_directory_iterator(dir / "state" / "xferd")) {
        if (!e.is_directory()) continue;
        const bool private_dir =
            (fs::status(e.path()).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none;
        BOOST_TEST(private_dir, e.path());
    }
    const auto top = fs::status(dir / "state" / "xferd").permissions();
    BOOST_TEST(((top & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none), "state_dir is 0700");
}

BOOST_AUTO_TEST_CASE(a_full_state_disk_defers_the_file_and_it_is_taken_once_space_is_freed,
                     *boost::unit_test::precondition([](boost::unit_test::test_unit_id) { return can_mount_tmpfs(); }))
{
    test::SimFixture sim;
    test::TempDir dir;
    SmallDisk disk(dir / "state", "1m");
    BOOST_REQUIRE(disk.mounted);
    auto config = test::write_sim_config(dir, sim);
    // Real rows, padded so the file is larger than the whole state disk: its snapshot cannot fit.
    std::string big = "external_order_number,service_id,service_number,contact_number,personal_email,additional_instructions\n"
                      "HR-2026-0001,38390017,3035550190,4155550100,leaver@mail.example,Hand over at the front desk\n";
    while (big.size() < 1536 * 1024) big += "\n";  // blank lines: skipped by the reader, counted by the disk
    std::ofstream(dir / "inbox" / "big.csv") << big;

    auto full = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(full.status == 1, full.out << full.err);
    const std::string said = full.out + full.err;
    BOOST_TEST(contains(said, "big.csv"), said);
    BOOST_TEST(contains(said, "No space left on device"), said);
    BOOST_TEST(contains(full.err, "ERROR"), "logged at ERROR on stderr, not only on stdout: " << full.err);
    BOOST_TEST(contains(full.err, "No space left on device"), full.err);
    BOOST_TEST(!contains(said, "REJECTED"), said);
    BOOST_TEST(!fs::exists(dir / "inbox" / "big.error.txt"), "a full disk is not a bad file");
    BOOST_TEST(test::orders_placed(sim) == 0u);

    disk.resize("16m");
    auto ok = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(ok.status == 0, ok.out << ok.err);
    BOOST_TEST(test::orders_placed(sim) == 1u);
    BOOST_TEST(contains(test::read_text(dir / "inbox" / "big.results.csv"), ",SUBMITTED,"));
}

BOOST_AUTO_TEST_CASE(a_state_store_that_cannot_be_written_is_an_error_not_success,
                     *boost::unit_test::precondition([](boost::unit_test::test_unit_id) { return can_mount_tmpfs(); }))
{
    test::SimFixture sim;
    test::TempDir dir;
    SmallDisk disk(dir / "state", "1m");
    BOOST_REQUIRE(disk.mounted);
    auto config = test::write_sim_config(dir, sim);
    // Fill the state disk after the store exists: the batch's records cannot be written.
    auto first = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(first.status == 0, first.out << first.err);
    fill_up(dir / "state" / "filler");
    std::ofstream(dir / "inbox" / "b.csv") << one_row;
    auto r = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status != 0, r.out << r.err);
    BOOST_TEST(contains(r.err, "ERROR"), r.err);
    BOOST_TEST(contains(r.out + r.err, "state_dir"), r.out << r.err);  // says where to look
    BOOST_TEST(test::orders_placed(sim) == 0u);

    fs::remove(dir / "state" / "filler");
    auto ok = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(ok.status == 0, ok.out << ok.err);
    BOOST_TEST(test::orders_placed(sim) == 1u);
}

// The inbox's disk fills between approval and submit: the orders are placed, but the results
// cannot be written. That is not success, stdout names no file that is not there, and once
// there is room the results are written from the store without any call.
BOOST_AUTO_TEST_CASE(a_full_inbox_disk_is_not_success_and_the_results_follow_once_there_is_room,
                     *boost::unit_test::precondition([](boost::unit_test::test_unit_id) { return can_mount_tmpfs(); }))
{
    test::SimFixture sim;
    test::TempDir dir;
    SmallDisk disk(dir / "inbox", "1m");
    BOOST_REQUIRE(disk.mounted);
    auto config = test::write_sim_config(dir, sim, test::demo::password, "manual");
    std::ofstream(dir / "inbox" / "leavers.csv") << one_row;
    auto confirmed = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST_REQUIRE(confirmed.status == 0, confirmed.out << confirmed.err);
    std::ofstream(dir / "inbox" / "leavers.approve") << "all\n";
    fill_up(dir / "inbox" / ".filler");

    auto full = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(full.status == 1, full.out << full.err);
    BOOST_TEST(test::orders_placed(sim) == 1u, "the order was placed");
    BOOST_TEST(!fs::exists(dir / "inbox" / "leavers.results.csv"));
    BOOST_TEST(contains(full.out, "the results could not be written"), full.out);
    BOOST_TEST(!contains(full.out, "-> " + (dir / "inbox" / "leavers.results.csv").string()), full.out);
    BOOST_TEST(contains(full.out + full.err, "No space left on device"), full.out << full.err);
    const auto calls = test::api_calls(sim);

    fs::remove(dir / "inbox" / ".filler");
    auto room = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(room.status == 0, room.out << room.err);
    BOOST_TEST(contains(test::read_text(dir / "inbox" / "leavers.results.csv"), ",SUBMITTED,"));
    BOOST_TEST(test::api_calls(sim) == calls, "written from the store");
    BOOST_TEST(test::orders_placed(sim) == 1u);
}

BOOST_AUTO_TEST_CASE(files_xferd_will_not_take_are_said_once_each_in_the_log_and_beside_them)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = test::write_sim_config(dir, sim);
    const fs::path inbox = dir / "inbox";
    std::ofstream(inbox / "terminations-2026-11.xls") << "\xd0\xcf\x11\xe0 legacy excel";
    std::ofstream(inbox / "leavers.txt") << one_row;
    std::ofstream(inbox / ".hidden.csv") << one_row;            // someone else's, quietly
    std::ofstream(inbox / "~$terminations.xlsx") << "lock";     // Excel's lock file
    std::ofstream(inbox / "upload.csv.part") << "half";         // an upload in progress

    auto r = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 0, r.out << r.err);
    auto lines_about = [](const std::string& text, const std::string& name) {
        std::size_t n = 0;
        for (std::size_t at = text.find(name + ": not taken"); at != std::string::npos;
             at = text.find(name + ": not taken", at + 1))
            ++n;
        return n;
    };
    BOOST_TEST(lines_about(r.err, "terminations-2026-11.xls") == 1u, r.err);
    BOOST_TEST(lines_about(r.err, "leavers.txt") == 1u, r.err);
    BOOST_TEST(contains(r.err, "WARN"), r.err);
    BOOST_TEST(!contains(r.err, ".hidden.csv"), r.err);
    BOOST_TEST(!contains(r.err, "~$terminations"), r.err);
    BOOST_TEST(!contains(r.err, "upload.csv.part"), r.err);
    const std::string note = test::read_text(inbox / "terminations-2026-11.xls.error.txt");
    BOOST_TEST(contains(note, "Excel Workbook (.xlsx)"), note);
    BOOST_TEST(contains(test::read_text(inbox / "leavers.txt.error.txt"), "rename it to .csv"));
    BOOST_TEST(test::orders_placed(sim) == 0u);

    // Said once per version: a second run is quiet, a changed file is said again.
    auto again = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(lines_about(again.err, "terminations-2026-11.xls") == 0u, again.err);
    BOOST_TEST(!fs::exists(inbox / "terminations-2026-11.xls.error.txt.error.txt"));
    std::ofstream(inbox / "leavers.txt", std::ios::app) << "HR-2026-0002,38390048,4805550186,4155550100,b@mail.example\n";
    auto changed = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(lines_about(changed.err, "leavers.txt") == 1u, changed.err);
}

BOOST_AUTO_TEST_CASE(a_shutdown_grace_that_runs_out_is_said_and_is_not_success)
{
    sim::Options o;
    o.faults.stall_rate = 1;   // every answer stops halfway: requests stay in flight
    test::SimFixture sim(o);
    test::TempDir dir;
    auto config = test::write_sim_config(dir, sim);
    // Long request deadline, short grace: the grace is what ends the run.
    std::string yaml = test::read_text(config);
    yaml.replace(yaml.find("  max_attempts: 2\n"), 18, "  max_attempts: 2\n  request_timeout: 60s\n");
    yaml.replace(yaml.find("shutdown_grace: 5s"), 18, "shutdown_grace: 1s");
    std::ofstream(config) << yaml;
    std::ofstream(dir / "inbox" / "b.csv") << one_row;

    test::ChildProcess p({test::xferd_binary, "once", "--config", config.string()}, dir / "o.txt", dir / "e.txt");
    std::this_thread::sleep_for(1500ms);   // the confirm is in flight, stalled
    BOOST_REQUIRE(p.handles_signal(SIGTERM));
    p.signal(SIGTERM);
    auto status = p.wait_for(20s);
    BOOST_REQUIRE(status.has_value());
    BOOST_TEST(*status == 1);
    const std::string out = test::read_text(dir / "o.txt");
    BOOST_TEST(contains(out, "shutdown grace ran out"), out << test::read_text(dir / "e.txt"));
    BOOST_TEST(!contains(test::read_text(dir / "e.txt"), "nothing to do"));
}

// A hard link in the inbox shares its content with a name elsewhere (a file the uploader may not
// be allowed to read): refused like a symlink, its content never read nor quoted.
BOOST_AUTO_TEST_CASE(a_hard_link_to_a_file_elsewhere_is_refused_and_nothing_of_it_is_quoted)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = test::write_sim_config(dir, sim);
    std::ofstream(dir / "elsewhere.csv") << one_row << secret_line << ",38390048,4805550186,4155550100,x@mail.example\n";
    fs::create_hard_link(dir / "elsewhere.csv", dir / "inbox" / "h.csv");

    auto r = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 1, r.out << r.err);
    BOOST_TEST(contains(r.out, "h.csv: not processed: it is a hard link"), r.out);
    BOOST_TEST(contains(r.out, "Copy the file instead"), r.out);
    std::string written = r.out + r.err;   // everything xferd wrote; the link itself holds the secret
    for (const auto& e : fs::directory_iterator(dir / "inbox"))
        if (e.path().filename() != "h.csv" && e.is_regular_file()) written += test::read_text(e.path());
    BOOST_TEST(!contains(written, secret_line));
    BOOST_TEST(test::orders_placed(sim) == 0u);
    BOOST_TEST(!fs::exists(dir / "inbox" / "h.results.csv"));

    // A copy of the same file is a batch like any other.
    fs::remove(dir / "inbox" / "h.csv");
    std::ofstream(dir / "inbox" / "h.csv") << one_row;
    auto copied = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(copied.status == 0, copied.out << copied.err);
    BOOST_TEST(test::orders_placed(sim) == 1u);
}

// NAME.log swapped for a symlink to a file elsewhere between runs: never written through; said at
// WARNING, and the batch's lines go to the process log instead of being dropped.
BOOST_AUTO_TEST_CASE(a_batch_log_swapped_for_a_symlink_is_not_followed)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = test::write_sim_config(dir, sim, test::demo::password, "manual");
    std::ofstream(dir / "inbox" / "w.csv") << one_row;
    BOOST_TEST_REQUIRE(test::run_xferd(dir, {"once", "--config", config.string()}).status == 0);
    const std::string passwd = "root:x:0:0:root:/root:/bin/bash\n";
    std::ofstream(dir / "passwd") << passwd;
    fs::remove(dir / "inbox" / "w.log");
    fs::create_symlink(dir / "passwd", dir / "inbox" / "w.log");

    auto r = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 0, r.out << r.err);
    BOOST_TEST(test::read_text(dir / "passwd") == passwd, "nothing written through the link");
    BOOST_TEST(fs::is_symlink(dir / "inbox" / "w.log"), "the link is left where it is");
    BOOST_TEST(contains(r.err, "WARN " + (dir / "inbox" / "w.log").string() + " is a symbolic link, not followed"),
               r.err);
    BOOST_TEST(contains(r.err, "w.log: done for now"), "the batch's lines reach the process log: " << r.err);
}

BOOST_AUTO_TEST_SUITE_END()
