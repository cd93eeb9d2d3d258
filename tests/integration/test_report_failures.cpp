// The confirmation reports when the disk or the system says no: the workbook is a convenience
// (approvals are checked against the store), so its failure is a warning in the batch log and the
// page then points to the CSV; a CSV that cannot be written stops the batch and publishes no
// workbook either. The workbook is made on a thread of its own, beside the CSV and the page.
//
// open() is interposed here: while `refused_path_part` is set, creating a file whose path holds
// it fails with EIO, as on a failing disk. pthread_create is interposed too: while `refuse_threads_off_main` is set, a thread started
// from any thread but the main one fails with EAGAIN, as it does when a systemd unit's TasksMax=
// (or RLIMIT_NPROC, or the kernel's threads-max) is reached. The harness starts its own threads
// (the report worker, the store writer, the simulator's) from the main thread, so only the
// workbook's std::async, started from the report worker, is refused.
#include "batch_harness.hpp"
#include "sim_fixture.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"

#include "xferd/batch/report.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdarg>
#include <cstring>
#include <cerrno>
#include <dlfcn.h>
#include <fstream>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {
std::atomic<bool> refuse_threads_off_main{false};
std::atomic<int> refused{0};
std::atomic<const char*> refused_path_part{nullptr};

bool refuse_to_open(const char* path)
{
    const char* part = refused_path_part.load();
    return part != nullptr && path != nullptr && std::strstr(path, part) != nullptr && std::strstr(path, ".tmp") != nullptr;
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

extern "C" int pthread_create(pthread_t* t, const pthread_attr_t* a, void* (*f)(void*), void* arg)
{
    using Real = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
    static Real real = reinterpret_cast<Real>(dlsym(RTLD_NEXT, "pthread_create"));
    if (refuse_threads_off_main && syscall(SYS_gettid) != getpid()) {
        ++refused;
        return EAGAIN;
    }
    return real(t, a, f, arg);
}

using namespace xferd;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(report_failures)

namespace {

const char* two_rows = "external_order_number,service_id,service_number,contact_number,personal_email\n"
                       "HR-4410,38390017,3035550190,4155550100,c.diaz@example.net\n"
                       "HR-4411,38390048,4805550186,8605550183,c.garcia@example.net\n";

// What is left in the inbox folder that a person would not expect: temp files.
std::vector<std::string> temp_files_in(const fs::path& dir)
{
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".tmp") left.push_back(e.path().filename().string());
    return left;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_workbook_that_cannot_be_written_is_a_warning_in_the_batch_log_and_the_page_points_to_the_csv)
{
    test::SimFixture sim;
    test::TempDir dir;
    const fs::path input = dir / "leavers-week-51.csv";
    std::ofstream(input) << two_rows;
    const auto out = output_paths_for(input);
    test::BatchHarness h(sim, dir / "state");
    h.options.approval.mode = ApprovalMode::automatic;
    refused_path_part = ".confirmation.xlsx.";
    auto outcome = h.take(input);
    refused_path_part = nullptr;
    BOOST_TEST((outcome.end == BatchOutcome::End::finished), outcome.summary());
    BOOST_TEST(outcome.counts.submitted == 2u);
    BOOST_TEST(fs::is_regular_file(out.confirmation_csv));
    BOOST_TEST(!fs::exists(out.confirmation_xlsx));
    const std::string page = test::read_text(out.confirmation_html);
    BOOST_TEST(page.find("href=\"./leavers-week-51.confirmation.xlsx\"") == std::string::npos,
               "the page sends to a missing workbook");
    BOOST_TEST(page.find("href=\"./leavers-week-51.confirmation.csv\"") != std::string::npos);
    const std::string log = test::read_text(out.log);
    BOOST_TEST(log.find("WARN the confirmation workbook could not be written (the CSV and the page were): cannot "
                        "write ") != std::string::npos,
               log);
    BOOST_TEST(log.find("Input/output error") != std::string::npos, log);
    BOOST_TEST(temp_files_in(dir.path()).empty());
    // One earlier page is kept: the confirmation, when the results page replaced it. No page that
    // linked the missing workbook is kept beside it.
    BOOST_TEST(fs::exists(dir / "leavers-week-51.confirmation.1.html"));
    // That confirmation page says why there is no workbook, and what to open instead.
    const std::string confirmation_page = test::read_text(dir / "leavers-week-51.confirmation.1.html");
    BOOST_TEST(confirmation_page.find("href=\"./leavers-week-51.confirmation.xlsx\"") == std::string::npos);
    BOOST_TEST(confirmation_page.find("<dt>Workbook</dt><dd>not written (cannot write ") != std::string::npos,
               confirmation_page);
    BOOST_TEST(confirmation_page.find("Input/output error); use <code class=\"file\">leavers-week-51.confirmation.csv"
                                      "</code>, which holds the same rows") != std::string::npos,
               confirmation_page);
    BOOST_TEST(!fs::exists(dir / "leavers-week-51.confirmation.2.html"), "the page is replaced, not kept aside");
}

BOOST_AUTO_TEST_CASE(a_confirmation_csv_that_cannot_be_written_stops_the_batch_and_publishes_no_workbook)
{
    test::SimFixture sim;
    test::TempDir dir;
    const fs::path input = dir / "leavers-week-52.csv";
    std::ofstream(input) << two_rows;
    const auto out = output_paths_for(input);
    test::BatchHarness h(sim, dir / "state");
    h.options.approval.mode = ApprovalMode::automatic;
    refused_path_part = ".confirmation.csv.";
    auto outcome = h.take(input);
    refused_path_part = nullptr;
    BOOST_TEST((outcome.end == BatchOutcome::End::state_error), outcome.summary());
    BOOST_TEST(outcome.message.find("the confirmation report could not be written") != std::string::npos,
               outcome.message);
    BOOST_TEST(outcome.counts.submitted == 0u);
    BOOST_TEST(sim.audit_entries().empty(), "nothing is submitted without its confirmation report");
    BOOST_TEST(!fs::exists(out.confirmation_xlsx), "a workbook newer than any CSV");
    BOOST_TEST(!fs::exists(out.confirmation_csv));
    BOOST_TEST(temp_files_in(dir.path()).empty());
}


BOOST_AUTO_TEST_CASE(a_workbook_thread_that_cannot_be_started_is_a_warning_not_the_end_of_the_batch)
{
    test::SimFixture sim;
    test::TempDir dir;
    const fs::path input = dir / "leavers-week-50.csv";
    std::ofstream(input) << two_rows;
    const auto out = output_paths_for(input);
    test::BatchHarness h(sim, dir / "state");
    h.options.approval.mode = ApprovalMode::automatic;
    refuse_threads_off_main = true;
    BatchOutcome outcome;
    std::string thrown;
    try {
        outcome = h.take(input);
    } catch (const std::exception& e) {
        thrown = e.what();
    }
    refuse_threads_off_main = false;
    BOOST_TEST(refused.load() >= 1, "the workbook's thread was refused");
    BOOST_TEST(thrown.empty(), "the batch ended in an exception: " << thrown);
    BOOST_TEST((outcome.end == BatchOutcome::End::finished), outcome.summary());
    BOOST_TEST(outcome.counts.submitted == 2u);
    BOOST_TEST(fs::is_regular_file(out.confirmation_csv));
    BOOST_TEST(fs::is_regular_file(out.confirmation_html));
    BOOST_TEST(fs::is_regular_file(out.confirmation_xlsx), "made after the page, on the thread that asked");
}

BOOST_AUTO_TEST_SUITE_END()
