// Reports next to the input: names, CSV safety for spreadsheets, HTML escaping, atomic writes,
// keeping earlier files, permissions, and the per-batch log. Files only, no network.
#include <boost/test/unit_test.hpp>

#include "xferd/batch/report.hpp"
#include "report_text.hpp"

#include <sys/stat.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using namespace xferd;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir()
    {
        std::string tmpl = (fs::temp_directory_path() / "xferd-report-XXXXXX").string();
        path = ::mkdtemp(tmpl.data());
    }
    ~TempDir()
    {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    [[nodiscard]] std::set<std::string> names() const
    {
        std::set<std::string> out;
        for (const auto& e : fs::directory_iterator(path)) out.insert(e.path().filename().string());
        return out;
    }
};

std::string read(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

unsigned mode_of(const fs::path& p)
{
    struct stat st {};
    BOOST_REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

// A strict RFC 4180 reader (what a spreadsheet does), to read our own CSV back.
std::vector<std::vector<std::string>> parse_csv(std::string_view text)
{
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string cell;
    bool quoted = false, after_quote = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                cell += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
                after_quote = true;
            } else {
                cell += c;
            }
        } else if (c == '"' && cell.empty() && !after_quote) {
            quoted = true;
        } else if (c == ',') {
            row.push_back(std::move(cell));
            cell.clear();
            after_quote = false;
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            row.push_back(std::move(cell));
            cell.clear();
            rows.push_back(std::move(row));
            row.clear();
            after_quote = false;
            ++i;
        } else {
            BOOST_REQUIRE_MESSAGE(!after_quote, "text after a closing quote");
            BOOST_REQUIRE_MESSAGE(c != '\n' && c != '\r', "bare line break outside quotes");
            cell += c;
        }
    }
    BOOST_REQUIRE_MESSAGE(!quoted, "unterminated quote");
    BOOST_REQUIRE_MESSAGE(cell.empty() && row.empty(), "last line without CRLF");
    return rows;
}

RowRecord sample_row(std::size_t n, Decision d)
{
    RowRecord r;
    r.row = n;
    r.external_order_number = "HR-" + std::to_string(1000 + n);
    r.service_id = "SVC-" + std::to_string(n);
    r.service_number = "2035551111";
    r.confirmation.confirmed = true;
    r.confirmation.account_holder = "Peter Edwards";
    r.confirmation.account_holder_email = "peter.edwards@acme.example";
    r.confirmation.account_holder_id = "E1001";
    r.confirmation.device = "Apple iPhone 7 Plus (32GB) - Silver";
    r.confirmation.service_number = "2035551111";
    r.confirmation.service_status = "ACTIVE";
    r.decision = d;
    r.reason = d == Decision::approved ? "all checks passed" : "service status is SUSPENDED, not ACTIVE";
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(names)

BOOST_AUTO_TEST_CASE(outputs_are_named_from_the_input_stem)
{
    OutputPaths p = output_paths_for("/srv/inbox/batch.csv");
    BOOST_TEST(p.confirmation_csv == fs::path("/srv/inbox/batch.confirmation.csv"));
    BOOST_TEST(p.confirmation_html == fs::path("/srv/inbox/batch.confirmation.html"));
    BOOST_TEST(p.approved_csv == fs::path("/srv/inbox/batch.approved.csv"));
    BOOST_TEST(p.approve_file == fs::path("/srv/inbox/batch.approve"));
    BOOST_TEST(p.results_csv == fs::path("/srv/inbox/batch.results.csv"));
    BOOST_TEST(p.log == fs::path("/srv/inbox/batch.log"));
    BOOST_TEST(p.error_txt == fs::path("/srv/inbox/batch.error.txt"));

    BOOST_TEST(output_paths_for("/in/q3.json").results_csv == fs::path("/in/q3.results.csv"));
    BOOST_TEST(output_paths_for("/in/q3.ndjson").log == fs::path("/in/q3.log"));
    BOOST_TEST(output_paths_for("/in/q3.jsonl").confirmation_html == fs::path("/in/q3.confirmation.html"));
    BOOST_TEST(output_paths_for("/in/a.b.csv").results_csv == fs::path("/in/a.b.results.csv"));
    BOOST_TEST(output_paths_for("batch.csv").results_csv == fs::path("batch.results.csv"));
}

BOOST_AUTO_TEST_CASE(xferd_recognises_its_own_files)
{
    for (const char* name : {"batch.confirmation.csv", "batch.confirmation.html", "batch.approved.csv",
                             "batch.approve", "batch.results.csv", "batch.log", "batch.error.txt",
                             "a.b.results.csv", "batch.results.1.csv", "batch.confirmation.12.html",
                             "batch.1.log", "batch.error.3.txt", "batch.1.approve",
                             "batch.approved.2.csv", "Batch.RESULTS.CSV",
                             ".batch.results.csv.0123456789ab.tmp"}) {
        BOOST_TEST_CONTEXT(name) { BOOST_TEST(is_xferd_output(fs::path("/srv/inbox") / name)); }
    }
    for (const char* name : {"batch.csv", "a.b.csv", "batch.json", "batch.ndjson", "batch.jsonl",
                             "results.csv", "confirmation.csv", "batch.results.json",
                             "batch.2024.csv", "batch.results.x1.csv"}) {
        BOOST_TEST_CONTEXT(name) { BOOST_TEST(!is_xferd_output(fs::path("/srv/inbox") / name)); }
    }
    // Every name output_paths_for gives is recognised.
    OutputPaths p = output_paths_for("/in/x.y.csv");
    for (const auto& q : {p.confirmation_csv, p.confirmation_html, p.approved_csv, p.approve_file,
                          p.results_csv, p.log, p.error_txt})
        BOOST_TEST(is_xferd_output(q));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cells)

BOOST_AUTO_TEST_CASE(quoting_and_formula_neutralisation)
{
    struct Case {
        std::string in;
        std::string out;
    };
    const std::vector<Case> cases{
        {"", ""},
        {"plain", "plain"},
        {"Zoë Ärger", "Zoë Ärger"},
        {"a,b", "\"a,b\""},
        {"a;b", "\"a;b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"crlf\r\nline", "\"crlf\r\nline\""},
        {" padded ", "\" padded \""},
        {"=1+2", "'=1+2"},
        {"=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
        {"@SUM(A1:A9)", "'@SUM(A1:A9)"},
        {"+12035551111", "'+12035551111"},  // a phone number is neutralised too: intended
        {"-42", "'-42"},                     // and so is a negative number
        {"\t=1", "\"'\t=1\""},
        {"\r=1", "\"'\r=1\""},
        {"a=b", "a=b"},                      // only a leading character counts
        {"2035551111", "2035551111"},
    };
    for (const auto& c : cases) BOOST_TEST(csv_cell(c.in) == c.out, "csv_cell(" << c.in << ")");
}

BOOST_AUTO_TEST_CASE(html_escaping)
{
    BOOST_TEST(html_escape("<b>&\"'</b>") == "&lt;b&gt;&amp;&quot;&#39;&lt;/b&gt;");
    BOOST_TEST(html_escape("Zoë") == "Zoë");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(render)

BOOST_AUTO_TEST_CASE(confirmation_csv_has_bom_header_crlf_and_an_empty_approve_column)
{
    std::vector<RowRecord> rows{sample_row(1, Decision::approved), sample_row(2, Decision::rejected)};
    std::string csv = render_confirmation_csv(rows);
    BOOST_TEST(csv.substr(0, 3) == "\xEF\xBB\xBF");
    BOOST_TEST(csv.substr(3, csv.find("\r\n") - 3) ==
               "row,external_order_number,service_id,service_number,confirmed_service_number,"
               "service_status,account_holder,account_holder_email,account_holder_id,device,decision,"
               "reason,approve");
    auto table = parse_csv(std::string_view(csv).substr(3));
    BOOST_REQUIRE_EQUAL(table.size(), 3u);
    for (const auto& line : table) BOOST_TEST(line.size() == 13u);
    BOOST_TEST(table[1][0] == "1");
    BOOST_TEST(table[1][6] == "Peter Edwards");
    BOOST_TEST(table[1][9] == "Apple iPhone 7 Plus (32GB) - Silver");
    BOOST_TEST(table[1][10] == "APPROVED");
    BOOST_TEST(table[2][10] == "REJECTED");
    BOOST_TEST(table[2][11] == "service status is SUSPENDED, not ACTIVE");
    BOOST_TEST(table[2][12] == "");
}

BOOST_AUTO_TEST_CASE(results_csv_columns)
{
    RowRecord a = sample_row(1, Decision::approved);
    a.status = RowStatus::submitted;
    a.order_id = "ORD-77";
    a.message = "order placed";
    RowRecord b = sample_row(2, Decision::invalid);
    b.status = RowStatus::not_submitted;
    RowRecord c = sample_row(3, Decision::approved);
    c.status = RowStatus::in_doubt;
    std::string csv = render_results_csv({a, b, c});
    BOOST_TEST(csv.substr(0, 3) == "\xEF\xBB\xBF");
    auto table = parse_csv(std::string_view(csv).substr(3));
    BOOST_REQUIRE_EQUAL(table.size(), 4u);
    const std::vector<std::string> header{"row", "external_order_number", "service_id", "decision",
                                          "status", "order_id", "message"};
    BOOST_TEST(table[0] == header, boost::test_tools::per_element());
    const std::vector<std::string> first{"1", "HR-1001", "SVC-1", "APPROVED", "SUBMITTED", "ORD-77", "order placed"};
    BOOST_TEST(table[1] == first, boost::test_tools::per_element());
    BOOST_TEST(table[2][3] == "INVALID");
    BOOST_TEST(table[2][4] == "NOT_SUBMITTED");
    BOOST_TEST(table[3][4] == "IN_DOUBT");
}

BOOST_AUTO_TEST_CASE(csv_round_trip_of_awkward_values)
{
    RowRecord r = sample_row(7, Decision::rejected);
    r.external_order_number = "line one\r\nline \"two\", with comma";
    r.confirmation.account_holder = "=cmd|' /C calc'!A0";
    r.confirmation.device = "multi\nline\nvalue";
    r.reason = "-1 days";
    auto table = parse_csv(std::string_view(render_confirmation_csv({r})).substr(3));
    BOOST_REQUIRE_EQUAL(table.size(), 2u);
    BOOST_TEST(table[1][1] == r.external_order_number);
    BOOST_TEST(table[1][6] == "'" + r.confirmation.account_holder);  // read back as text
    BOOST_TEST(table[1][9] == r.confirmation.device);
    BOOST_TEST(table[1][11] == "'-1 days");
}

BOOST_AUTO_TEST_CASE(streaming_lines_add_up_to_the_whole_report)
{
    std::vector<RowRecord> rows{sample_row(1, Decision::approved), sample_row(2, Decision::invalid)};
    std::string confirmation = confirmation_csv_header();
    std::string results = results_csv_header();
    for (const auto& r : rows) {
        confirmation += confirmation_csv_line(r);
        results += results_csv_line(r);
    }
    BOOST_TEST(confirmation == render_confirmation_csv(rows));
    BOOST_TEST(results == render_results_csv(rows));
    BOOST_TEST(render_results_csv({}) == results_csv_header());
}

BOOST_AUTO_TEST_CASE(atomic_write_is_0640_and_leaves_no_temp_files)
{
    TempDir dir;
    fs::path target = dir.path / "batch.results.csv";
    mode_t old = ::umask(077);  // even a strict umask gives the operators' group read access
    auto r = write_report_atomically(target, "row\r\n1\r\n");
    ::umask(old);
    BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
    BOOST_TEST(read(target) == "row\r\n1\r\n");
    BOOST_TEST(mode_of(target) == 0640u);
    BOOST_TEST((dir.names() == std::set<std::string>{"batch.results.csv"}));
}

BOOST_AUTO_TEST_CASE(earlier_reports_are_kept_with_the_lowest_free_number)
{
    TempDir dir;
    fs::path target = dir.path / "batch.results.csv";
    BOOST_REQUIRE(write_report_atomically(target, "first"));
    BOOST_REQUIRE(write_report_atomically(target, "second"));
    BOOST_REQUIRE(write_report_atomically(target, "third"));
    BOOST_TEST(read(target) == "third");
    BOOST_TEST(read(dir.path / "batch.results.1.csv") == "first");
    BOOST_TEST(read(dir.path / "batch.results.2.csv") == "second");
    BOOST_TEST(dir.names().size() == 3u);

    // A gap is filled first.
    fs::remove(dir.path / "batch.results.1.csv");
    BOOST_REQUIRE(keep_existing(target));
    BOOST_TEST(!fs::exists(target));
    BOOST_TEST(read(dir.path / "batch.results.1.csv") == "third");
    // Nothing to keep is fine.
    BOOST_TEST(static_cast<bool>(keep_existing(target)));
    BOOST_TEST(static_cast<bool>(keep_existing(dir.path / "never-written.log")));
}

BOOST_AUTO_TEST_CASE(keep_existing_numbers_before_the_extension)
{
    TempDir dir;
    std::ofstream(dir.path / "batch.log") << "old";
    std::ofstream(dir.path / "batch.approve") << "all";
    BOOST_REQUIRE(keep_existing(dir.path / "batch.log"));
    BOOST_REQUIRE(keep_existing(dir.path / "batch.approve"));
    BOOST_TEST((dir.names() == std::set<std::string>{"batch.1.log", "batch.1.approve"}));
}

BOOST_AUTO_TEST_CASE(streamed_report_appears_only_on_commit)
{
    TempDir dir;
    fs::path target = dir.path / "big.results.csv";
    std::ofstream(target) << "earlier";
    std::string expected;
    {
        auto writer = AtomicFileWriter::create(target);
        BOOST_REQUIRE_MESSAGE(writer, (writer ? "" : writer.error().message));
        for (int i = 0; i < 20'000; ++i) {  // well past the 64 KiB buffer
            std::string line = "line " + std::to_string(i) + "\r\n";
            expected += line;
            BOOST_REQUIRE(writer->write(line));
        }
        // Until commit the old report stands and the new one is a hidden temp file.
        BOOST_TEST(read(target) == "earlier");
        auto names = dir.names();
        BOOST_REQUIRE_EQUAL(names.size(), 2u);
        BOOST_TEST(names.begin()->starts_with(".big.results.csv."));
        BOOST_TEST(names.begin()->ends_with(".tmp"));
        BOOST_TEST(is_xferd_output(dir.path / *names.begin()));
        BOOST_REQUIRE(writer->commit());
        BOOST_TEST(!writer->write("more"));
        BOOST_TEST(!writer->commit());
    }
    BOOST_TEST(read(target) == expected);
    BOOST_TEST(read(dir.path / "big.results.1.csv") == "earlier");
    BOOST_TEST(mode_of(target) == 0640u);
    BOOST_TEST(dir.names().size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_dropped_writer_leaves_nothing_behind)
{
    TempDir dir;
    {
        auto writer = AtomicFileWriter::create(dir.path / "x.confirmation.csv");
        BOOST_REQUIRE(writer);
        BOOST_REQUIRE(writer->write("half a report"));
        AtomicFileWriter moved = std::move(*writer);  // ownership moves; only one cleans up
        BOOST_TEST(dir.names().size() == 1u);
    }
    BOOST_TEST(dir.names().empty());
}

BOOST_AUTO_TEST_CASE(a_missing_folder_is_an_error_naming_the_report)
{
    TempDir dir;
    fs::path target = dir.path / "no-such-folder" / "batch.results.csv";
    auto r = write_report_atomically(target, "x");
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().message.find(target.string()) != std::string::npos, r.error().message);
    BOOST_TEST(r.error().message.find("No such file or directory") != std::string::npos, r.error().message);
}

BOOST_AUTO_TEST_CASE(batch_log_lines_are_timestamped_flushed_and_one_per_call)
{
    TempDir dir;
    fs::path path = dir.path / "batch.log";
    {
        BatchLog log(path);
        BOOST_REQUIRE_MESSAGE(log.is_open(), log.open_error());
        log.info("claimed batch.csv (12 rows)");
        log.warn("row 3: SERVICE_NUMBER mismatch");
        // Visible before the log is closed: a crash loses nothing written so far.
        BOOST_TEST(read(path).find("SERVICE_NUMBER mismatch\n") != std::string::npos);
        log.error("row 4: value with\nINJECTED 2026-01-01T00:00:00.000Z INFO fake line\r");
    }
    BOOST_TEST(mode_of(path) == 0640u);
    std::istringstream lines(read(path));
    std::vector<std::string> all;
    for (std::string line; std::getline(lines, line);) all.push_back(line);
    BOOST_REQUIRE_EQUAL(all.size(), 3u);
    std::regex shape(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO|WARN|ERROR) .+$)");
    for (const auto& line : all) BOOST_TEST(std::regex_match(line, shape), line);
    BOOST_TEST(all[0].ends_with(" INFO claimed batch.csv (12 rows)"));
    BOOST_TEST(all[1].find(" WARN row 3") != std::string::npos);
    BOOST_TEST(all[2].ends_with(" ERROR row 4: value with\\nINJECTED 2026-01-01T00:00:00.000Z INFO fake line\\r"));

    // A new log for the same batch keeps the old one; append mode continues it.
    {
        BatchLog second(path);
        second.info("second run");
    }
    BOOST_TEST(read(dir.path / "batch.1.log").find("claimed batch.csv") != std::string::npos);
    BOOST_TEST(read(path).find("claimed") == std::string::npos);
    {
        BatchLog resumed(path, true);
        resumed.info("resumed");
    }
    std::string text = read(path);
    BOOST_TEST(text.find("second run") < text.find("resumed"));
    BOOST_TEST(!fs::exists(dir.path / "batch.2.log"));
}

BOOST_AUTO_TEST_CASE(batch_log_in_a_missing_folder_says_why)
{
    TempDir dir;
    BatchLog log(dir.path / "gone" / "batch.log");
    BOOST_TEST(!log.is_open());
    BOOST_TEST(log.open_error().find("No such file or directory") != std::string::npos, log.open_error());
    log.info("dropped, not a crash");
}

BOOST_AUTO_TEST_SUITE_END()
