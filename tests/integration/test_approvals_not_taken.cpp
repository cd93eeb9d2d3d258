// What an operator sees from `xferd once` when an approval cannot be acted on: an approval file
// that nothing waits for (the batch is done, or was never dropped) is said once, beside the file
// and in the log; an approval with several mistakes lists all of them in one refusal.
#include "xferd_cli.hpp"

#include "xferd/batch/report.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>

using namespace xferd;
namespace fs = std::filesystem;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::size_t count(const std::string& text, const std::string& part)
{
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++n;
    return n;
}

const std::string eu_sample = "samples/batches/offboarding-eu-semicolon.csv";

}  // namespace

BOOST_AUTO_TEST_SUITE(approvals_not_taken)

BOOST_AUTO_TEST_CASE(an_approval_for_a_done_batch_or_for_no_batch_is_said_once_beside_it)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = test::write_sim_config(dir, sim);   // approval.mode auto
    fs::copy_file(test::source_path(eu_sample), dir / "inbox/eu.csv");
    BOOST_TEST_REQUIRE(test::run_xferd(dir, {"once", "--config", config.string()}).status == 0);
    BOOST_TEST_REQUIRE(test::orders_placed(sim) == 6u);

    std::ofstream(dir / "inbox/eu.approved.csv") << "row,external_order_number,approve\n1,OFF-EU-2026-11-001,x\n";
    std::ofstream(dir / "inbox/nobody.approve") << "all\n";
    auto r = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 0, r.out << r.err);
    BOOST_TEST(count(r.err, "eu.approved.csv: not taken: eu.csv runs in approval mode auto") == 1u, r.err);
    BOOST_TEST(has(r.err, " WARN "), r.err);
    BOOST_TEST(count(r.err, "nobody.approve: not taken: no batch named nobody") == 1u, r.err);
    const auto beside = dir / "inbox/eu.approved.csv.error.txt";
    BOOST_TEST_REQUIRE(fs::exists(beside));
    const std::string note = test::read_text(beside);
    BOOST_TEST(has(note, "eu.approved.csv: not taken: eu.csv runs in approval mode auto (done)"), note);
    BOOST_TEST(has(note, "see eu.results.csv"), note);
    BOOST_TEST(has(test::read_text(dir / "inbox/nobody.approve.error.txt"), "drop the batch file first"));
    BOOST_TEST(test::orders_placed(sim) == 6u, "nothing was submitted again");

    // Said once per version: the next run is quiet about them; a new version is said again.
    auto quiet = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(quiet.status == 0, quiet.out << quiet.err);
    BOOST_TEST(!has(quiet.err, "not taken"), quiet.err);
    std::ofstream(dir / "inbox/eu.approved.csv", std::ios::app) << "2,OFF-EU-2026-11-002,x\n";
    auto changed = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(count(changed.err, "eu.approved.csv: not taken") == 1u, changed.err);
}

BOOST_AUTO_TEST_CASE(an_approval_acted_on_stays_quiet_afterwards)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = test::write_sim_config(dir, sim, test::demo::password, "manual");
    fs::copy_file(test::source_path(eu_sample), dir / "inbox/eu.csv");
    BOOST_TEST_REQUIRE(test::run_xferd(dir, {"once", "--config", config.string()}).status == 0);
    std::ofstream(dir / "inbox/eu.approve") << "all\n";
    auto approved = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(approved.status == 0, approved.out << approved.err);
    BOOST_TEST(test::orders_placed(sim) == 6u);
    // The batch is done now; the approval it was submitted on is not "not taken".
    auto after = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(after.status == 0, after.out << after.err);
    BOOST_TEST(!has(approved.err + after.err, "not taken"), approved.err << after.err);
    BOOST_TEST(!fs::exists(dir / "inbox/eu.approve.error.txt"));

    // A second approval for the done batch is said, with who approved it.
    std::ofstream(dir / "inbox/eu.approved.csv") << "row,external_order_number,approve\n";
    auto late = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(has(late.err, "eu.approved.csv: not taken: eu.csv was approved already (by eu.approve"), late.err);
    BOOST_TEST(test::orders_placed(sim) == 6u);
}

// An unknown row, a changed service id and an INVALID row approved: one refusal with all three,
// on stdout and in NAME.error.txt, not one per run.
BOOST_AUTO_TEST_CASE(every_problem_of_an_approval_is_in_the_one_refusal)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = test::write_sim_config(dir, sim, test::demo::password, "manual");
    std::string batch = test::read_text(test::source_path(eu_sample));
    batch += "OFF-EU-2026-11-099;;9195550199;6505550199;nobody@example.com;;\n";   // no service id: INVALID
    std::ofstream(dir / "inbox/eu.csv") << batch;
    BOOST_TEST_REQUIRE(test::run_xferd(dir, {"once", "--config", config.string()}).status == 0);
    std::string approval = test::read_text(dir / "inbox/eu.confirmation.csv");
    // Every row approved (the INVALID one too), row 1's service id changed, a row 42 added.
    std::string filled;
    for (std::size_t at = 0, line = 0; at < approval.size(); ++line) {
        auto end = approval.find("\r\n", at);
        std::string l = approval.substr(at, end - at);
        filled += l + (line == 0 ? "" : "x") + "\r\n";
        at = end + 2;
    }
    filled.replace(filled.find("38390327"), 8, "38390328");
    filled += "42,OFF-EU-2026-11-042,38390999,,,,,,,,APPROVED,,x\r\n";
    std::ofstream(dir / "inbox/eu.approved.csv") << filled;

    auto r = test::run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 1, r.out << r.err);
    const std::string refusal = test::read_text(dir / "inbox/eu.error.txt");
    for (const std::string part : {"row 42 is not in the confirmed batch", "row 1 has service id '38390328'",
                                   "approves rows that are not eligible (row 7 (OFF-EU-2026-11-099) is INVALID"}) {
        BOOST_TEST(has(r.out, part), part << " on stdout: " << r.out);
        BOOST_TEST(has(refusal, part), part << " in eu.error.txt: " << refusal);
    }
    BOOST_TEST(count(r.out, "APPROVAL REFUSED") == 1u, r.out);
    BOOST_TEST(test::orders_placed(sim) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
