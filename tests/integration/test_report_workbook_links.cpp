// The pages link the confirmation workbook only when this confirmation wrote it (batch_reports.cpp),
// and are written once it is known. Found by review (helper-24); both failed before the fix.
// open() is interposed as in test_report_failures.cpp: while `refused_path_part` is set, opening
// a temp file whose path holds it fails with EIO; `let_through` opens of it pass first.
#include "batch_harness.hpp"
#include "sim_fixture.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"

#include "xferd/batch/report.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <dlfcn.h>
#include <fstream>

namespace {
std::atomic<const char*> refused_path_part{nullptr};
std::atomic<int> let_through{0};
std::atomic<const char*> refused_path_part2{nullptr};

bool refuse_one(std::atomic<const char*>& which, const char* path, bool counted)
{
    const char* part = which.load();
    if (part == nullptr || path == nullptr || std::strstr(path, part) == nullptr || std::strstr(path, ".tmp") == nullptr)
        return false;
    if (counted && let_through.fetch_sub(1) > 0) return false;
    return true;
}
bool refuse_to_open(const char* path)
{
    return refuse_one(refused_path_part, path, false) || refuse_one(refused_path_part2, path, true);
}
}  // namespace

extern "C" int open(const char* path, int flags, ...)
{
    using Real = int (*)(const char*, int, ...);
    static Real real = reinterpret_cast<Real>(dlsym(RTLD_NEXT, "open"));
    va_list ap;
    va_start(ap, flags);
    const mode_t mode = va_arg(ap, mode_t);
    va_end(ap);
    if (refuse_to_open(path)) {
        errno = EIO;
        return -1;
    }
    return real(path, flags, mode);
}

extern "C" int open64(const char* path, int flags, ...)
{
    using Real = int (*)(const char*, int, ...);
    static Real real = reinterpret_cast<Real>(dlsym(RTLD_NEXT, "open64"));
    va_list ap;
    va_start(ap, flags);
    const mode_t mode = va_arg(ap, mode_t);
    va_end(ap);
    if (refuse_to_open(path)) {
        errno = EIO;
        return -1;
    }
    return real(path, flags, mode);
}

using namespace xferd;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(report_workbook_links)

namespace {
const char* rows_a = "external_order_number,service_id,service_number,contact_number,personal_email\n"
                     "HR-4410,38390017,3035550190,4155550100,c.diaz@example.net\n";
const char* rows_b = "external_order_number,service_id,service_number,contact_number,personal_email\n"
                     "HR-4411,38390048,4805550186,8605550183,c.garcia@example.net\n";
}  // namespace

// Batch A of leavers.csv writes its workbook. The file is dropped again with other rows (batch B,
// same output names) and B's workbook cannot be written: A's workbook stays at the name. B's
// pages must not link it (the results page once did, by the file being there): A's workbook is
// kept aside, and the operator is not sent to a workbook of another batch, with other rows.
BOOST_AUTO_TEST_CASE(no_page_links_an_earlier_batchs_workbook_when_this_batchs_failed)
{
    test::SimFixture sim;
    test::TempDir dir;
    const fs::path input = dir / "leavers.csv";
    const auto out = output_paths_for(input);
    test::BatchHarness h(sim, dir / "state");
    h.options.approval.mode = ApprovalMode::automatic;
    std::ofstream(input) << rows_a;
    auto a = h.take(input);
    BOOST_TEST_REQUIRE((a.end == BatchOutcome::End::finished), a.summary());
    BOOST_TEST_REQUIRE(fs::is_regular_file(out.confirmation_xlsx));

    std::ofstream(input, std::ios::trunc) << rows_b;
    refused_path_part = ".confirmation.xlsx.";
    auto b = h.take(input);
    refused_path_part = nullptr;
    BOOST_TEST_REQUIRE((b.end == BatchOutcome::End::finished), b.summary());
    BOOST_TEST(test::read_text(out.log).find("the confirmation workbook could not be written") != std::string::npos);
    const std::string page = test::read_text(out.confirmation_html);
    BOOST_TEST(page.find("HR-4411") != std::string::npos, "the page is batch B's");
    BOOST_TEST(page.find("leavers.confirmation.xlsx") == std::string::npos,
               "batch B's results page links leavers.confirmation.xlsx, which is batch A's workbook");
    BOOST_TEST(!fs::exists(out.confirmation_xlsx));
    BOOST_TEST(fs::is_regular_file(dir / "leavers.confirmation.1.xlsx"), "batch A's workbook is kept, aside");
}

// The workbook fails: the page is written once, after that is known (it used to be written with
// the link, removed and written again; a failed second write left no page at all). A second
// page write refused here would stop the batch; none is attempted.
BOOST_AUTO_TEST_CASE(the_page_is_written_once_the_workbook_is_known)
{
    test::SimFixture sim;
    test::TempDir dir;
    const fs::path input = dir / "leavers-2.csv";
    const auto out = output_paths_for(input);
    test::BatchHarness h(sim, dir / "state");
    h.options.approval.mode = ApprovalMode::manual;
    std::ofstream(input) << rows_a;
    refused_path_part = ".confirmation.xlsx.";
    let_through = 1;   // the first page is written, its rewrite is refused
    refused_path_part2 = ".confirmation.html.";
    auto o = h.take(input);
    refused_path_part = nullptr;
    refused_path_part2 = nullptr;
    BOOST_TEST_MESSAGE("outcome: " << o.summary());
    BOOST_TEST(fs::is_regular_file(out.confirmation_csv));
    BOOST_TEST(fs::is_regular_file(out.confirmation_html), "no confirmation page at all; outcome: " << o.summary());
}

BOOST_AUTO_TEST_SUITE_END()
