// state.keep_snapshots: the snapshots of batches finished longer ago than that are deleted at
// the start of `once`; unfinished ones are kept; 0 keeps every one; a held batch whose snapshot
// is gone is taken afresh when dropped again.
#include "xferd_cli.hpp"

#include <boost/json.hpp>

#include <sys/stat.h>

using namespace xferd;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string eu = test::source_path("samples/batches/offboarding-eu-semicolon.csv").string();

// The snapshot files in state_dir/batches/*/.
std::size_t snapshots(const test::TempDir& dir)
{
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& d : fs::directory_iterator(dir / "state/batches", ec))
        if (d.is_directory())
            for (const auto& f : fs::directory_iterator(d.path()))
                if (f.path().filename().string().rfind("input", 0) == 0) ++n;
    return n;
}

boost::json::array batches(const test::TempDir& dir, const std::string& config)
{
    auto r = test::run_xferd(dir, {"status", "--config", config, "--json"}, "status");
    BOOST_TEST_REQUIRE(r.status != 2, r.err);
    return boost::json::parse(r.out).as_object().at("batches").as_array();
}

bool kept(const boost::json::array& all, const std::string& file)
{
    for (const auto& b : all)
        if (b.as_object().at("file").as_string() == file) return b.as_object().at("snapshot_kept").as_bool();
    BOOST_FAIL("no batch " + file);
    return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(snapshot_retention)

BOOST_AUTO_TEST_CASE(snapshots_of_batches_finished_longer_ago_are_deleted_at_start)
{
    test::SimFixture sim;
    test::TempDir dir;
    test::CliConfig c;
    c.extra = "state:\n  keep_snapshots: 1s\n";
    auto config = write_cli_config(dir, sim, c).string();
    fs::copy_file(eu, dir / "inbox/eu.csv");
    // All rows unknown services: held by the batch gate (a finished stage too).
    std::ofstream(dir / "inbox/held.csv") << "external_order_number,service_id,service_number,contact_number,"
                                             "personal_email\nH-1,11111111,2125550100,4155550100,h@mail.example\n";
    test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST(snapshots(dir) == 2u);
    auto first = batches(dir, config);
    BOOST_TEST(kept(first, "eu.csv"));

    std::this_thread::sleep_for(1500ms);   // both finished more than keep_snapshots ago
    auto pruned = test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST(pruned.err.find("deleted the snapshots of 2 batches finished more than 1s ago (state.keep_snapshots)") !=
                   std::string::npos,
               pruned.err);
    BOOST_TEST(snapshots(dir) == 0u);
    auto after = batches(dir, config);
    BOOST_TEST(!kept(after, "eu.csv"));
    BOOST_TEST(!kept(after, "held.csv"));
    auto detail = test::run_xferd(dir, {"status", "--config", config, "eu.csv"});
    BOOST_TEST(detail.out.find("snapshot:     deleted (state.keep_snapshots)") != std::string::npos, detail.out);

    // The held batch dropped again (touched): taken afresh from a new snapshot.
    BOOST_TEST_REQUIRE(::utimensat(AT_FDCWD, (dir / "inbox/held.csv").c_str(), nullptr, 0) == 0);
    auto again = test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST(again.out.find("held.csv: 1 rows") != std::string::npos, again.out << again.err);
    BOOST_TEST(again.out.find("snapshot") == std::string::npos, again.out);
    BOOST_TEST(kept(batches(dir, config), "held.csv"));
    BOOST_TEST(sim.audit_entries().size() == 6u, "the done batch was not touched");
}

BOOST_AUTO_TEST_CASE(unfinished_batches_and_keep_snapshots_0_keep_their_snapshots)
{
    test::SimFixture sim;
    test::TempDir dir;
    test::CliConfig c;
    c.mode = "manual";
    c.extra = "state:\n  keep_snapshots: 1s\n";
    auto config = write_cli_config(dir, sim, c).string();
    fs::copy_file(eu, dir / "inbox/eu.csv");
    test::run_xferd(dir, {"once", "--config", config});
    std::this_thread::sleep_for(1500ms);
    test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST(snapshots(dir) == 1u, "a batch waiting for approval keeps its snapshot");

    // Forever: a done batch keeps it too.
    std::string text = test::read_text(config);
    text.replace(text.find("keep_snapshots: 1s"), 18, "keep_snapshots: 0");
    text.replace(text.find("mode: manual"), 12, "mode: auto");
    std::ofstream(config, std::ios::trunc) << text;
    std::ofstream(dir / "inbox/eu.approve") << "all\n";
    BOOST_TEST(test::run_xferd(dir, {"once", "--config", config}).status == 0);
    std::this_thread::sleep_for(1500ms);
    test::run_xferd(dir, {"once", "--config", config});
    BOOST_TEST(snapshots(dir) == 1u);
    BOOST_TEST(kept(batches(dir, config), "eu.csv"));
}

BOOST_AUTO_TEST_SUITE_END()
