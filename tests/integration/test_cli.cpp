// The xferd command line as an operator uses it: validate, check, once's exit statuses.
#include "xferd_cli.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <set>
#include <sstream>

using namespace xferd;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

using test::run_xferd;
using Run = test::CliRun;

fs::path write_config(const test::TempDir& dir, test::SimFixture& sim, const std::string& password,
                      const std::string& mode = "auto")
{
    return test::write_sim_config(dir, sim, password, mode);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(command_line)

BOOST_AUTO_TEST_CASE(validate_names_each_bad_row_and_column_and_calls_nothing)
{
    test::TempDir dir;
    auto r = run_xferd(dir, {"validate", test::source_path("samples/batches/offboarding-2026-11-excel.csv").string()});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(r.out.find("row 5: column 'Personal Email'") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("row 6: column 'Contact Number'") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("12 rows, 10 valid, 2 invalid") != std::string::npos, r.out);

    std::ofstream(dir / "clean.csv") << "external_order_number,service_id,service_number,contact_number,personal_email\n"
                                        "A-1,38390017,3035550190,4155550100,a@mail.example\n";
    auto ok = run_xferd(dir, {"validate", (dir / "clean.csv").string()});
    BOOST_TEST(ok.status == 0);
    BOOST_TEST(ok.out.find("1 rows, 1 valid, 0 invalid") != std::string::npos, ok.out);
}

BOOST_AUTO_TEST_CASE(validate_reports_a_file_error_with_where_it_is)
{
    test::TempDir dir;
    std::ofstream(dir / "cp1252.csv", std::ios::binary)
        << "external_order_number,service_id,service_number,contact_number,personal_email\r\n"
           "A-1,38390017,3035550190,4155550100,ren\xE9@mail.example\r\n";
    auto r = run_xferd(dir, {"validate", (dir / "cp1252.csv").string()});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(r.out.find("FILE ERROR") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("UTF-8") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(validate_reads_an_xlsx_workbook_and_names_sheet_and_cell)
{
    test::TempDir dir;
    const std::string leavers = test::source_path("tests/data/xlsx/hr-leavers.xlsx").string();
    auto r = run_xferd(dir, {"validate", "--show-personal-data", leavers});
    BOOST_TEST(r.status == 1);
    // The mapping used, as for a CSV: the header row of the sheet.
    BOOST_TEST(r.out == leavers + ": columns: 'External Order Number' → external_order_number, 'Service ID' → "
                                  "service_id, 'Service Number' → service_number, 'Contact Number' → contact_number, "
                                  "'Personal Email' → personal_email, 'Additional Instructions' → "
                                  "additional_instructions, 'Employee ID' → employee_id\n" +
                           leavers + ": ignored columns (not used by xferd): Termination Date\n" + leavers + ": row 2: column 'Contact Number': sheet 'hr-leavers', cell D3: '612345678' has 9 "
                                  "digits: use a 10-digit US number (2035558888) or an international number with + and "
                                  "the country code (+44 20 7946 0958, 8 to 15 digits)\n" +
                           leavers + ": row 5: column 'Service Number': sheet 'hr-leavers', cell C6: holds the error "
                                     "#N/A (a lookup found nothing): correct the formula, or type the value\n" +
                           leavers + ": 5 rows, 3 valid, 2 invalid\n");

    // The sheet comes from the config's `sheet:`; without it, the first sheet's header is refused.
    const std::string book = test::source_path("tests/data/xlsx/leavers-workbook.xlsx").string();
    auto first = run_xferd(dir, {"validate", book});
    BOOST_TEST(first.status == 1);
    BOOST_TEST(first.out.find(book + ": FILE ERROR: sheet 'Instructions', header row 1: the header row has no column "
                                     "for external_order_number") == 0u, first.out);
    std::ofstream(dir / "secret") << "s";
    std::ofstream(dir / "xferd.yaml") << "api:\n  base_url: https://127.0.0.1:9/mobproc/v1\n"
                                         "  token_url: https://127.0.0.1:9/as/token.oauth2\n  tenant: ACME\n"
                                         "  client_id: c\n  client_secret_file: secret\n  username: u\n"
                                         "  password_file: secret\nsheet: Leavers\nstate_dir: state\n";
    auto named = run_xferd(dir, {"validate", "--config", (dir / "xferd.yaml").string(), book});
    BOOST_TEST(named.out.find(book + ": columns: 'External Order Number' → external_order_number, 'Service ID' → "
                                     "service_id, 'Service Number' → service_number, 'Contact Number' → "
                                     "contact_number, 'Personal Email' → personal_email\n" +
                              book + ": ignored columns (not used by xferd): Employee, Last Day\n") == 0u,
               named.out);
    BOOST_TEST(named.status == 1, named.err);
    BOOST_TEST(named.out.find(book + ": row 3: column 'Service ID': sheet 'Leavers', cell C6: holds the error #N/A") !=
                   std::string::npos,
               named.out);
    BOOST_TEST(named.out.find(book + ": 3 rows, 2 valid, 1 invalid\n") != std::string::npos, named.out);

    std::ofstream(dir / "old.xls") << "x";
    auto xls = run_xferd(dir, {"validate", (dir / "old.xls").string()});
    BOOST_TEST(xls.status == 1);
    BOOST_TEST(xls.out.find("FILE ERROR: it is an Excel 97-2003 workbook (.xls), which xferd does not read") !=
               std::string::npos, xls.out);
}

// validate reads with the config's limits, as once does: a value over max_field_bytes is that
// row's error, a file over max_file_bytes a file error.
BOOST_AUTO_TEST_CASE(validate_applies_the_configs_limits)
{
    test::TempDir dir;
    std::ofstream(dir / "client_secret") << "unused";
    std::ofstream(dir / "password") << "unused";
    std::ofstream(dir / "xferd.yaml") << "api:\n  base_url: https://127.0.0.1:9/mobproc/v1\n"
                                         "  token_url: https://127.0.0.1:9/as/token.oauth2\n  tenant: ACME\n"
                                         "  client_id: demo-client\n  client_secret_file: client_secret\n"
                                         "  username: svc\n  password_file: password\n"
                                         "limits:\n  max_file_bytes: 1KiB\n  max_field_bytes: 40\n"
                                         "state_dir: state\n";
    const std::string header =
        "external_order_number,service_id,service_number,contact_number,personal_email,additional_instructions\n";
    std::ofstream(dir / "long-note.csv") << header << "A-1,38390017,3035550190,4155550100,a@mail.example,"
                                         << std::string(41, 'n') << "\n"
                                         << "A-2,38390018,3035550191,4155550100,b@mail.example,\n";
    auto r = run_xferd(dir, {"validate", "--config", (dir / "xferd.yaml").string(), (dir / "long-note.csv").string()});
    BOOST_TEST(r.status == 1, r.err);
    BOOST_TEST(r.out.find("row 1: column 'additional_instructions': the value starting 'nnnnnnnnnnnnnnnn…' is "
                          "longer than 40 bytes, the limit limits.max_field_bytes") != std::string::npos,
               r.out);
    BOOST_TEST(r.out.find("2 rows, 1 valid, 1 invalid") != std::string::npos, r.out);

    std::ofstream big(dir / "big.csv");
    big << header;
    for (int i = 0; i < 30; ++i) {
        big << "A-" << i << ",38390017,3035550190,4155550100,a@mail.example,\n";
    }
    big.close();
    r = run_xferd(dir, {"validate", "--config", (dir / "xferd.yaml").string(), (dir / "big.csv").string()});
    BOOST_TEST(r.status == 1, r.err);
    BOOST_TEST(r.out.find("FILE ERROR (byte 1024): the file is larger than 1KiB (limits.max_file_bytes)") !=
                   std::string::npos,
               r.out);
}

BOOST_AUTO_TEST_CASE(check_prints_the_config_without_secrets_and_reaches_the_token_endpoint)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = write_config(dir, sim, test::demo::password);
    auto r = run_xferd(dir, {"check", "--config", config.string()});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(r.out.find("token endpoint: OK") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("redacted") != std::string::npos, r.out);
    BOOST_TEST(r.out.find(test::demo::password) == std::string::npos);
    BOOST_TEST(r.out.find(test::demo::client_secret) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(once_exits_3_when_authentication_fails_and_leaves_the_batch_untouched)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = write_config(dir, sim, "a-wrong-password-4711");
    fs::copy_file(test::source_path("samples/batches/offboarding-eu-semicolon.csv"), dir / "inbox/eu.csv");
    auto r = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 3, r.out << r.err);
    BOOST_TEST(!fs::exists(dir / "inbox/eu.results.csv"));
    BOOST_TEST(sim.audit_entries().empty());
    BOOST_TEST(r.err.find("a-wrong-password-4711") == std::string::npos, "no secret in the log");

    // With the right password the same file goes through on the next run.
    write_config(dir, sim, test::demo::password);
    auto again = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(again.status == 0, again.out << again.err);
    BOOST_TEST(sim.audit_entries().size() == 6u);
}

BOOST_AUTO_TEST_CASE(usage_and_config_errors_exit_2_with_a_clear_message)
{
    test::TempDir dir;
    BOOST_TEST(run_xferd(dir, {"frobnicate"}).status == 2);
    BOOST_TEST(run_xferd(dir, {"once"}).status == 2);
    std::ofstream(dir / "bad.yaml") << "api:\n  concurency: 4\n";
    auto r = run_xferd(dir, {"once", "--config", (dir / "bad.yaml").string()});
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.err.find("line 2") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("concurency") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(once_in_manual_mode_waits_then_submits_only_what_the_operator_approved)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = write_config(dir, sim, test::demo::password, "manual");
    fs::copy_file(test::source_path("samples/batches/offboarding-eu-semicolon.csv"), dir / "inbox/eu.csv");

    auto first = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(first.status == 0, first.out << first.err);
    BOOST_TEST(first.out.find("WAITING FOR YOUR APPROVAL") != std::string::npos, first.out);
    BOOST_TEST(first.out.find("eu.approve") != std::string::npos, first.out);
    BOOST_TEST(fs::exists(dir / "inbox/eu.confirmation.csv"));
    BOOST_TEST(sim.audit_entries().empty());

    // An approval naming an order the batch does not hold is refused; nothing is submitted.
    std::ofstream(dir / "inbox/eu.approve") << "NOT-IN-THIS-BATCH\n";
    auto refused = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(refused.status == 1, refused.out << refused.err);
    BOOST_TEST(refused.out.find("APPROVAL REFUSED") != std::string::npos, refused.out);
    BOOST_TEST(refused.out.find("NOT-IN-THIS-BATCH") != std::string::npos, refused.out);
    BOOST_TEST(test::read_text(dir / "inbox/eu.error.txt").find("approval refused") != std::string::npos);
    BOOST_TEST(sim.audit_entries().empty());

    // The operator approves two rows, by external order number.
    auto shown = test::read_text(dir / "inbox/eu.confirmation.csv");
    std::vector<std::string> numbers;
    for (std::size_t at = shown.find("\n"); at != std::string::npos && numbers.size() < 2; at = shown.find("\n", at + 1)) {
        auto first_comma = shown.find(',', at);
        auto second_comma = shown.find(',', first_comma + 1);
        if (first_comma == std::string::npos || second_comma == std::string::npos) break;
        numbers.push_back(shown.substr(first_comma + 1, second_comma - first_comma - 1));
    }
    BOOST_TEST_REQUIRE(numbers.size() == 2u);
    std::ofstream(dir / "inbox/eu.approve") << "# approved by the service desk\n" << numbers[0] << "\n" << numbers[1] << "\n";
    auto approved = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(approved.status == 0, approved.out << approved.err);
    BOOST_TEST(!fs::exists(dir / "inbox/eu.error.txt"), "the refusal no longer stands once an approval is accepted");
    auto audit = sim.audit_entries();
    BOOST_TEST_REQUIRE(audit.size() == 2u);
    std::set<std::string> placed;
    for (const auto& a : audit) placed.insert(std::string(a.at("externalOrderNumber").as_string()));
    BOOST_TEST(placed == std::set<std::string>(numbers.begin(), numbers.end()));
    auto results = test::read_text(dir / "inbox/eu.results.csv");
    BOOST_TEST(results.find("not approved by the operator") != std::string::npos, results);

    // Done: a further run submits nothing more.
    run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(sim.audit_entries().size() == 2u);
}

BOOST_AUTO_TEST_CASE(an_approval_saved_into_the_confirmation_csv_is_refused_with_the_right_file_name)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = write_config(dir, sim, test::demo::password, "manual");
    fs::copy_file(test::source_path("samples/batches/offboarding-eu-semicolon.csv"), dir / "inbox/eu.csv");
    auto first = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST_REQUIRE(first.status == 0, first.out << first.err);

    // The operator fills in the approve column and saves over xferd's own report.
    std::istringstream shown(test::read_text(dir / "inbox/eu.confirmation.csv"));
    std::string line, filled;
    for (bool header = true; std::getline(shown, line); header = false) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        filled += line + (!header && !line.empty() && line.back() == ',' ? "yes" : "") + "\n";
    }
    std::ofstream(dir / "inbox/eu.confirmation.csv") << filled;

    auto refused = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(refused.status == 1, refused.out << refused.err);
    BOOST_TEST(refused.out.find("APPROVAL REFUSED") != std::string::npos, refused.out);
    BOOST_TEST(refused.out.find("save it as eu.approved.csv") != std::string::npos, refused.out);
    BOOST_TEST(test::read_text(dir / "inbox/eu.error.txt").find("eu.confirmation.csv") != std::string::npos);
    BOOST_TEST(test::read_text(dir / "inbox/eu.log").find("approve column of eu.confirmation.csv") != std::string::npos);
    BOOST_TEST(sim.audit_entries().empty());

    // Said once: the next run waits quietly; saved under the right name it is acted on.
    auto again = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(again.status == 0, again.out << again.err);
    BOOST_TEST(again.out.find("APPROVAL REFUSED") == std::string::npos, again.out);
    fs::rename(dir / "inbox/eu.confirmation.csv", dir / "inbox/eu.approved.csv");
    auto approved = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(approved.status == 0, approved.out << approved.err);
    BOOST_TEST(approved.out.find("6 submitted") != std::string::npos, approved.out);
    BOOST_TEST(sim.audit_entries().size() == 6u);
}

BOOST_AUTO_TEST_CASE(an_approval_beside_a_replaced_file_approves_only_the_newest_content)
{
    test::SimFixture sim;
    test::TempDir dir;
    auto config = write_config(dir, sim, test::demo::password, "manual");
    fs::copy_file(test::source_path("samples/batches/offboarding-eu-semicolon.csv"), dir / "inbox/leavers.csv");
    BOOST_TEST_REQUIRE(run_xferd(dir, {"once", "--config", config.string()}).status == 0);
    // The uploader replaces the file before anyone approved: a second batch waits at the same path.
    std::ofstream(dir / "inbox/leavers.csv", std::ios::trunc)
        << "external_order_number,service_id,service_number,contact_number,personal_email\n"
           "HR-2026-0009,38390017,3035550190,4155550100,leaver@mail.example\n";
    BOOST_TEST_REQUIRE(run_xferd(dir, {"once", "--config", config.string()}).status == 0);

    std::ofstream(dir / "inbox/leavers.approve") << "all\n";
    auto r = run_xferd(dir, {"once", "--config", config.string()});
    BOOST_TEST(r.status == 0, r.out << r.err);
    auto audit = sim.audit_entries();
    BOOST_TEST_REQUIRE(audit.size() == 1u, "only the row the operator reviewed last is ordered");
    BOOST_TEST(std::string(audit[0].at("externalOrderNumber").as_string()) == "HR-2026-0009");
}

BOOST_AUTO_TEST_SUITE_END()
