// The batch's HTML report in a real browser (headless Chromium): a page waiting for approval,
// a finished one with every kind of problem, and one full of hostile values. Each must load
// with no console message (no script error, nothing blocked by its Content-Security-Policy),
// show the right banner and counts, keep every number on one line and need no sideways
// scrolling at any width from 360 to 1440 px. Screenshots at 1280 and 480 px go to build/test-output/report_browser/ for a
// person to look at. Without Chromium the test exits 77: ctest reports it skipped.
#include <boost/test/unit_test.hpp>

#include "child_process.hpp"
#include "html_text.hpp"
#include "report_fixtures.hpp"
#include "report_text.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "xferd/batch/report.hpp"

#include <cstdlib>
#include <iostream>
#include <regex>
#include <sstream>

using namespace xferd;
using namespace xferd::test;
namespace fs = std::filesystem;

namespace {

fs::path find_chromium()
{
    if (const char* env = std::getenv("XFERD_CHROMIUM"); env && *env)
        return ::access(env, X_OK) == 0 ? fs::path(env) : fs::path();
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin");
    for (std::string dir; std::getline(dirs, dir, ':');)
        for (const char* name : {"chromium", "chromium-browser"})
            if (fs::path p = fs::path(dir) / name; ::access(p.c_str(), X_OK) == 0) return p;
    return {};
}

// Before Boost.Test starts: without a browser there is nothing to test, and passing would lie.
const fs::path chromium = [] {
    fs::path p = find_chromium();
    if (p.empty()) {
        std::cout << "test_report_browser: chromium not found (apt-get install chromium fonts-dejavu-core, "
                     "or set XFERD_CHROMIUM): skipped\n";
        std::exit(77);
    }
    return p;
}();

fs::path output_dir()
{
    static const fs::path dir = [] {
        fs::path d = fs::path(XFERD_BINARY_DIR) / "test-output" / "report_browser";
        fs::remove_all(d);
        fs::create_directories(d);
        std::cout << "report screenshots and pages: " << d.string() << "\n";
        return d;
    }();
    return dir;
}

struct BrowserRun {
    std::string out;   // stdout: the DOM for --dump-dom
    std::string err;   // stderr: Chromium's log, console messages included
    std::vector<std::string> console;  // the page's console messages ("Uncaught …", CSP refusals)
};

// One headless Chromium, its own profile, killed after 90 s.
BrowserRun run_chromium(const TempDir& tmp, std::vector<std::string> args)
{
    static int runs = 0;
    std::string n = std::to_string(++runs);
    std::vector<std::string> argv = {chromium.string(), "--headless", "--no-sandbox", "--disable-gpu",
                                     "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                                     "--disable-background-networking", "--disable-sync", "--disable-dev-shm-usage",
                                     "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
                                     "--user-data-dir=" + (tmp / ("profile-" + n)).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    fs::path out = tmp / ("run-" + n + ".out"), err = tmp / ("run-" + n + ".err");
    ChildProcess child(argv, out, err);
    auto status = child.wait_for(std::chrono::seconds(90));
    BOOST_REQUIRE_MESSAGE(status.has_value(), "chromium did not finish within 90 s");
    BOOST_REQUIRE_MESSAGE(*status == 0, "chromium exited with " << *status << ": " << read_text(err));
    BrowserRun run{read_text(out), read_text(err), {}};
    std::istringstream lines(run.err);
    for (std::string line; std::getline(lines, line);)
        if (line.find(":CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos)
            run.console.push_back(line);
    return run;
}

std::string url(const fs::path& p) { return "file://" + p.string(); }

// The three pages, rendered once into a temp folder (and copied beside the screenshots).
struct Pages {
    TempDir tmp{"xferd-report-browser"};
    fs::path waiting, finished, hostile;

    Pages()
    {
        waiting = write("waiting", waiting_rows(), ReportStage::waiting_for_approval, ApprovalMode::manual, {});
        finished = write("finished", finished_batch(60), ReportStage::done, ApprovalMode::automatic, {});
        hostile = write("hostile", hostile_rows(), ReportStage::waiting_for_approval, ApprovalMode::manual,
                        "\"><img src=x onerror=console.log(1)>javascript:alert(1).csv");
    }

    static std::vector<RowRecord> waiting_rows()
    {
        auto rows = fine_rows(40, false);
        auto p = problem_rows(41);
        for (std::size_t i : {1, 3, 4, 5}) rows.push_back(p[i]);  // confirm failed, 2 rejected, invalid
        return rows;
    }

    static std::vector<RowRecord> hostile_rows()
    {
        const std::string attack = "\"><script>console.log('xss')</script><img src=x onerror=console.log('xss')>";
        auto rows = fine_rows(3, false);
        RowRecord& r = rows[0];
        r.external_order_number = "AZ-1' onmouseover='console.log(1)";
        r.confirmation.account_holder = attack;
        r.confirmation.department = "</td></tr></table><h1>forged</h1>";
        r.confirmation.device = "\" style=\"position:fixed;inset:0";
        r.personal_email = "averyveryverylonglocalpartwithoutanydotsatall0123456789@" + attack;
        r.decision = Decision::rejected;
        r.reason = attack;
        rows[1].service_number = std::string(64, '9');  // no real number: may wrap, must not overflow
        rows[1].confirmation.service_number = rows[1].service_number;
        rows[2].confirmation.carrier = "<style>body{display:none}</style>";
        return rows;
    }

    fs::path write(const std::string& name, std::vector<RowRecord> rows, ReportStage stage, ApprovalMode mode,
                   const std::string& input)
    {
        sort_for_report(rows, stage);
        ReportHeader h = input.empty() ? header_for(rows, stage, mode) : header_for(rows, stage, mode, input);
        if (name == "hostile") h.approval_problem = "approval refused: \"><script>console.log('xss')</script>";
        fs::path p = tmp / (name + ".html");
        auto w = write_report_atomically(p, render_report_html(h, rows));
        BOOST_REQUIRE_MESSAGE(w.has_value(), "cannot write " << p);
        fs::copy_file(p, output_dir() / p.filename(), fs::copy_options::overwrite_existing);
        return p;
    }
};

Pages& pages()
{
    static Pages p;
    return p;
}

// Loads the page and returns its DOM as Chromium built it; the page must log nothing.
std::string dump_dom(const fs::path& page)
{
    auto run = run_chromium(pages().tmp, {"--dump-dom", url(page)});
    std::string console;
    for (const auto& line : run.console) console += line + "\n";
    BOOST_TEST(console.empty(), page.filename() << " logged to the console:\n" << console);
    BOOST_TEST(run.out.find("</html>") != std::string::npos);
    return run.out;
}

void screenshot(const fs::path& page, int width, int height)
{
    fs::path png = output_dir() / (page.stem().string() + "-" + std::to_string(width) + ".png");
    auto run = run_chromium(pages().tmp, {"--screenshot=" + png.string(),
                                          "--window-size=" + std::to_string(width) + "," + std::to_string(height),
                                          url(page)});
    BOOST_TEST(run.console.empty());
    BOOST_REQUIRE(fs::exists(png));
    BOOST_TEST(fs::file_size(png) > 10'000u);
    std::cout << "screenshot: " << png.string() << "\n";
}

// A test-only page that loads the report in frames of several widths and writes into its own
// DOM, for --dump-dom to show, what it measured: number boxes laid out on more than one line,
// ones reaching past the frame's edge, how far the page scrolls sideways, and any element or
// attribute a hostile value could have smuggled in.
constexpr std::string_view measuring_page = R"html(<!DOCTYPE html>
<html><head><meta charset="utf-8"></head><body>
<iframe data-width="1440" width="1440" height="800" src="REPORT"></iframe>
<iframe data-width="1280" width="1280" height="800" src="REPORT"></iframe>
<iframe data-width="1024" width="1024" height="800" src="REPORT"></iframe>
<iframe data-width="920" width="920" height="800" src="REPORT"></iframe>
<iframe data-width="900" width="900" height="800" src="REPORT"></iframe>
<iframe data-width="800" width="800" height="800" src="REPORT"></iframe>
<iframe data-width="600" width="600" height="800" src="REPORT"></iframe>
<iframe data-width="480" width="480" height="800" src="REPORT"></iframe>
<iframe data-width="360" width="360" height="800" src="REPORT"></iframe>
<p style="width:3em"><span id="control">203 555 0142</span></p>
<pre id="result">not measured</pre>
<script>
function measure(frame) {
  const doc = frame.contentDocument;
  if (!doc) return 'width=' + frame.dataset.width + ' no-access';
  const edge = doc.documentElement.clientWidth;
  let numbers = 0; const wrapped = [], past = [];
  for (const el of doc.querySelectorAll('.num:not(.long), .badge')) {
    ++numbers;
    if (el.getClientRects().length > 1) wrapped.push(el.textContent);
    if (el.getBoundingClientRect().right > edge + 0.5) past.push(el.textContent);
  }
  const smuggled = doc.querySelectorAll('script, img, iframe, object, embed, link, h1 ~ h1, [onerror], [onload], [onmouseover], [style]').length;
  const links = [...doc.querySelectorAll('a[href]')].filter(a => !a.getAttribute('href').startsWith('./')).length;
  return 'width=' + frame.dataset.width + ' numbers=' + numbers + ' wrapped=' + wrapped.length +
         ' past_edge=' + past.length + ' sideways=' + (doc.documentElement.scrollWidth - edge) +
         ' smuggled=' + smuggled + ' foreign_links=' + links +
         ' examples=' + JSON.stringify(wrapped.concat(past).slice(0, 3));
}
window.addEventListener('load', () => {
  // The control proves the measure: a number allowed to wrap in a narrow box does.
  const control = document.getElementById('control').getClientRects().length;
  document.getElementById('result').textContent = 'control_lines=' + control + '\n' +
      [...document.querySelectorAll('iframe')].map(measure).join('\n');
});
</script></body></html>
)html";

struct Measured {
    int width = 0, numbers = 0, wrapped = 0, past_edge = 0, sideways = 0, smuggled = 0, foreign_links = 0;
    std::string line;
};

std::vector<Measured> measure(const fs::path& page)
{
    std::string wrapper = std::regex_replace(std::string(measuring_page), std::regex("REPORT"), page.filename().string());
    fs::path file = page.parent_path() / ("measure-" + page.filename().string());
    BOOST_REQUIRE(write_report_atomically(file, wrapper).has_value());
    // File pages may read each other only with this switch (the frames are the test's own).
    auto run = run_chromium(pages().tmp, {"--allow-file-access-from-files", "--dump-dom", url(file)});
    std::smatch m;
    BOOST_REQUIRE(std::regex_search(run.out, m, std::regex("<pre id=\"result\">([^<]*)</pre>")));
    std::vector<Measured> out;
    std::istringstream lines(m[1].str());
    std::string control;
    std::getline(lines, control);
    BOOST_TEST_REQUIRE(control == "control_lines=3");
    std::regex field("width=(\\d+) numbers=(\\d+) wrapped=(\\d+) past_edge=(\\d+) sideways=(-?\\d+) smuggled=(\\d+) "
                     "foreign_links=(\\d+)");
    for (std::string line; std::getline(lines, line);) {
        std::smatch f;
        BOOST_REQUIRE_MESSAGE(std::regex_search(line, f, field), "not measured: " << line);
        BOOST_TEST_MESSAGE(page.filename().string() << " " << line);
        out.push_back({std::stoi(f[1]), std::stoi(f[2]), std::stoi(f[3]), std::stoi(f[4]), std::stoi(f[5]),
                       std::stoi(f[6]), std::stoi(f[7]), line});
    }
    BOOST_REQUIRE(out.size() == 9u);
    return out;
}

std::size_t count_of(const std::vector<std::string>& v, const std::string& s)
{
    return static_cast<std::size_t>(std::count(v.begin(), v.end(), s));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(in_chromium)

BOOST_AUTO_TEST_CASE(console_messages_are_caught)
{
    // The control for "no console message" below: a page that errors is noticed.
    fs::path bad = pages().tmp / "control.html";
    BOOST_REQUIRE(write_report_atomically(bad, "<!DOCTYPE html><p>x</p><script>undefined_function();</script>").has_value());
    auto run = run_chromium(pages().tmp, {"--dump-dom", url(bad)});
    BOOST_TEST_REQUIRE(run.console.size() == 1u);
    BOOST_TEST(run.console[0].find("Uncaught ReferenceError: undefined_function is not defined") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_waiting_page_shows_how_to_approve_and_counts_eligible_rows)
{
    std::string dom = dump_dom(pages().waiting);
    std::string text = visible_text(dom);
    BOOST_TEST(text.find("Waiting for your approval until 2026-12-01 13:12 UTC: here is how") != std::string::npos);
    BOOST_TEST(text.find("Nothing has been submitted yet. 40 rows passed every check (ELIGIBLE); 4 rows need "
                         "attention") != std::string::npos);
    BOOST_TEST(text.find("named offboarding-2026-11.approve that holds the one word all") != std::string::npos);
    BOOST_TEST(text.find("40 ELIGIBLE + 1 FAILED + 2 REJECTED + 1 INVALID = 44 rows in the file") != std::string::npos);
    auto b = badges(dom);
    BOOST_TEST(b.size() == 44u);
    BOOST_TEST(count_of(b, "ELIGIBLE") == 40u);
    BOOST_TEST(count_of(b, "APPROVED") == 0u);
    BOOST_TEST(b.front() == "FAILED");
}

BOOST_AUTO_TEST_CASE(the_finished_page_lists_every_problem_first_and_its_counts_add_up)
{
    std::string dom = dump_dom(pages().finished);
    std::string text = visible_text(dom);
    BOOST_TEST(text.find("Done: 7 rows need your attention") != std::string::npos);
    BOOST_TEST(text.find("60 SUBMITTED + 2 FAILED + 1 IN DOUBT + 2 REJECTED + 1 INVALID + 1 DUPLICATE = 67 rows") !=
               std::string::npos);
    auto b = badges(dom);
    std::vector<std::string> first(b.begin(), b.begin() + 7);
    std::vector<std::string> expected = {"FAILED", "FAILED", "IN DOUBT", "REJECTED", "REJECTED", "INVALID", "DUPLICATE"};
    BOOST_TEST(first == expected, boost::test_tools::per_element());
    BOOST_TEST(count_of(b, "SUBMITTED") == 60u);
    BOOST_TEST(text.find("Needs your attention (7)") < text.find("Everything else (60)"));
}

BOOST_AUTO_TEST_CASE(hostile_values_load_as_plain_text)
{
    std::string dom = dump_dom(pages().hostile);  // a script that ran, or was blocked, would log
    BOOST_TEST(dom.find("<script") == std::string::npos);
    BOOST_TEST(dom.find("<img") == std::string::npos);
    BOOST_TEST(dom.find("<h1>forged") == std::string::npos);
    std::string text = visible_text(dom);
    BOOST_TEST(text.find("<script>console.log('xss')</script>") != std::string::npos);  // shown, as text
    BOOST_TEST(text.find("</td></tr></table><h1>forged</h1>") != std::string::npos);
    for (const auto& m : measure(pages().hostile)) {
        BOOST_TEST_CONTEXT(m.line) {
            BOOST_TEST(m.smuggled == 0);
            BOOST_TEST(m.foreign_links == 0);
            BOOST_TEST(m.sideways <= 0);
        }
    }
}

BOOST_AUTO_TEST_CASE(no_number_wraps_and_nothing_scrolls_sideways_from_360_to_1440_px)
{
    for (const fs::path& page : {pages().waiting, pages().finished, pages().hostile}) {
        for (const auto& m : measure(page)) {
            BOOST_TEST_CONTEXT(page.filename() << ": " << m.line) {
                BOOST_TEST(m.numbers > 10);
                BOOST_TEST(m.wrapped == 0);
                BOOST_TEST(m.past_edge == 0);
                BOOST_TEST(m.sideways <= 0);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(screenshots_at_1280_and_480_px)
{
    for (const fs::path& page : {pages().waiting, pages().finished, pages().hostile}) {
        screenshot(page, 1280, 2200);
        screenshot(page, 480, 3000);
    }
}

BOOST_AUTO_TEST_SUITE_END()
