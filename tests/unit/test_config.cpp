// load_config / describe_config: what an operator sees for good and bad config files (the
// secrets and the redacted print: test_config_secrets.cpp).
#include "config_test_support.hpp"

#include <yaml-cpp/yaml.h>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>

using namespace xferd;
using namespace xferd::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;


BOOST_AUTO_TEST_SUITE(shipped_configs)

BOOST_AUTO_TEST_CASE(demo_config_loads_with_its_secret_files)
{
    fs::path file = fs::path(XFERD_SOURCE_DIR) / "config" / "demo.yaml";
    auto r = load_config(file, env_of({}));
    BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
    const Config& c = *r;
    fs::path root = fs::path(XFERD_SOURCE_DIR).lexically_normal();
    BOOST_TEST(c.api.base_url == "https://127.0.0.1:8443/mobproc/v1");
    BOOST_TEST(c.api.token_url == "https://127.0.0.1:8443/as/token.oauth2");
    BOOST_TEST(c.api.tenant == "ACME");
    BOOST_TEST(c.api.client_id == "demo-client");
    BOOST_TEST(c.api.username == "command://svc-offboarding");
    BOOST_TEST(c.api.client_secret == "demo-client-secret-7f3a9c");
    BOOST_TEST(c.api.password == "demo-password-2b81e4");
    BOOST_TEST((c.api.client_secret_source.kind == SecretSource::Kind::file));
    BOOST_TEST(c.api.concurrency == 16u);
    BOOST_REQUIRE(c.api.ca_file);
    BOOST_TEST(*c.api.ca_file == root / "demo-run" / "tls" / "ca.pem");
    BOOST_TEST((c.approval.mode == ApprovalMode::automatic));
    BOOST_TEST(c.state_dir == root / "demo-run" / "state");
    BOOST_REQUIRE_EQUAL(c.inboxes.size(), 2u);
    BOOST_TEST(c.inboxes[0].path == root / "demo-run" / "inbox");
    BOOST_TEST(c.inboxes[0].columns.empty());
    BOOST_TEST(c.inboxes[1].path == root / "demo-run" / "hr-inbox");
    const ColumnMapping expected{
        {"Case Number", "external_order_number"}, {"Asset ID", "service_id"},
        {"Mobile Number", "service_number"},      {"Personal Mobile", "contact_number"},
        {"Personal Email", "personal_email"},     {"Notes", "additional_instructions"},
        {"Employee Email", "employee_email"},     {"Worker ID", "employee_id"},
    };
    BOOST_TEST((c.inboxes[1].columns == expected));
}

BOOST_AUTO_TEST_CASE(example_config_loads_with_secrets_from_the_environment)
{
    fs::path file = fs::path(XFERD_SOURCE_DIR) / "config" / "xferd.example.yaml";
    auto r = load_config(file, env_secrets);
    BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
    const Config& c = *r;
    BOOST_TEST(c.api.client_secret == "env-client-secret");
    BOOST_TEST(c.api.password == "env-password");
    BOOST_TEST(!c.api.ca_file);
    BOOST_REQUIRE_EQUAL(c.inboxes.size(), 2u);
    BOOST_TEST(c.inboxes[0].path == fs::path("/srv/xferd/inbox"));
    BOOST_TEST(!c.inboxes[0].approval_mode);
    BOOST_TEST((c.inboxes[1].approval_mode == ApprovalMode::manual));
    // The inbox's own mapping is merged over the top-level one.
    BOOST_TEST(c.inboxes[1].columns.at("Ticket") == "external_order_number");
    BOOST_TEST(c.inboxes[1].columns.at("Case Number") == "external_order_number");
    BOOST_TEST(c.inboxes[0].columns.at("Extension") == "MISCELLANEOUS.CONTACT_NUMBER_EXT");
    BOOST_TEST(c.limits.max_file_bytes == 256ull * 1024 * 1024);
    BOOST_TEST(c.limits.max_field_bytes == 64u * 1024);
    BOOST_TEST(c.approval.max_age.count() == 24 * 3600);
    BOOST_TEST(c.watch.settle.count() == 2000);
    BOOST_TEST(c.state_dir == fs::path("/var/lib/xferd"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(values)

BOOST_AUTO_TEST_CASE(defaults_apply_when_keys_are_absent)
{
    ConfigDir dir;
    auto r = load_config(dir.write("config.yaml", config_text()), env_secrets);
    BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
    const Config& c = *r;
    BOOST_TEST(c.api.concurrency == 16u);
    BOOST_TEST(c.api.connect_timeout.count() == 10'000);
    BOOST_TEST(c.api.request_timeout.count() == 30'000);
    BOOST_TEST(c.api.max_attempts == 6u);
    BOOST_TEST(c.api.rate_limit == 0.0);
    BOOST_TEST((c.approval.mode == ApprovalMode::automatic));
    BOOST_TEST(c.approval.max_reject_ratio == 0.5);
    BOOST_TEST(c.approval.check_account_holder);
    BOOST_TEST(c.inboxes.empty());
    BOOST_TEST(c.config_file == dir.path / "config.yaml");
}

BOOST_AUTO_TEST_CASE(every_key_is_read)
{
    ConfigDir dir;
    std::string text = config_text(
        "  concurrency: 64\n"
        "  connect_timeout: 1500ms\n"
        "  tls_timeout: 3\n"
        "  request_timeout: 2m\n"
        "  max_attempts: 3\n"
        "  retry_base_delay: 0.5\n"
        "  retry_max_delay: 1h\n"
        "  rate_limit: 12.5\n",
        "approval:\n"
        "  mode: dry-run\n"
        "  max_reject_ratio: 0.25\n"
        "  check_service_active: false\n"
        "  check_service_number: no\n"
        "  check_account_holder: off\n"
        "  max_age: 2d\n"
        "limits:\n"
        "  max_file_bytes: 1048576\n"
        "  max_field_bytes: 4KiB\n"
        "watch:\n"
        "  settle: 500ms\n"
        "  rescan_interval: 1m\n");
    auto r = load_config(dir.write("config.yaml", text), env_secrets);
    BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
    const Config& c = *r;
    BOOST_TEST(c.api.concurrency == 64u);
    BOOST_TEST(c.api.connect_timeout.count() == 1500);
    BOOST_TEST(c.api.tls_timeout.count() == 3000);
    BOOST_TEST(c.api.request_timeout.count() == 120'000);
    BOOST_TEST(c.api.max_attempts == 3u);
    BOOST_TEST(c.api.retry_base_delay.count() == 500);
    BOOST_TEST(c.api.retry_max_delay.count() == 3'600'000);
    BOOST_TEST(c.api.rate_limit == 12.5);
    BOOST_TEST((c.approval.mode == ApprovalMode::dry_run));
    BOOST_TEST(c.approval.max_reject_ratio == 0.25);
    BOOST_TEST(!c.approval.check_service_active);
    BOOST_TEST(!c.approval.check_service_number);
    BOOST_TEST(!c.approval.check_account_holder);
    BOOST_TEST(c.approval.max_age.count() == 2 * 86400);
    BOOST_TEST(c.limits.max_file_bytes == 1048576u);
    BOOST_TEST(c.limits.max_field_bytes == 4096u);
    BOOST_TEST(c.watch.settle.count() == 500);
    BOOST_TEST(c.watch.rescan_interval.count() == 60'000);
}

BOOST_AUTO_TEST_CASE(durations_parse_and_format)
{
    BOOST_TEST(parse_duration("500ms")->count() == 500);
    BOOST_TEST(parse_duration("10s")->count() == 10'000);
    BOOST_TEST(parse_duration("2m")->count() == 120'000);
    BOOST_TEST(parse_duration("1h")->count() == 3'600'000);
    BOOST_TEST(parse_duration("1d")->count() == 86'400'000);
    BOOST_TEST(parse_duration("30")->count() == 30'000);
    BOOST_TEST(parse_duration("1.5")->count() == 1500);
    BOOST_TEST(parse_duration(" 250 ms ")->count() == 250);
    BOOST_TEST(!parse_duration(""));
    BOOST_TEST(!parse_duration("-1s"));
    BOOST_TEST(!parse_duration("10 parsecs"));
    BOOST_TEST(!parse_duration("s"));
    BOOST_TEST(!parse_duration("1e400"));
    BOOST_TEST(format_duration(500ms) == "500ms");
    BOOST_TEST(format_duration(1500ms) == "1500ms");
    BOOST_TEST(format_duration(10s) == "10s");
    BOOST_TEST(format_duration(2min) == "2m");
    BOOST_TEST(format_duration(1h) == "1h");
    BOOST_TEST(format_duration(24h) == "1d");
    BOOST_TEST(format_duration(0ms) == "0s");
}

// The smallest rate kept, and 0 (no limit): both ends of what is refused between them.
BOOST_AUTO_TEST_CASE(rate_limit_takes_zero_and_one_call_every_100_seconds)
{
    ConfigDir dir;
    for (const auto& [text, rate] : {std::pair{"0", 0.0}, std::pair{"0.01", 0.01}}) {
        auto r = load_config(dir.write("config.yaml", config_text("  rate_limit: " + std::string(text) + "\n")),
                             env_secrets);
        BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
        BOOST_TEST(r->api.rate_limit == rate);
    }
}

BOOST_AUTO_TEST_CASE(approval_modes)
{
    BOOST_TEST(to_string(ApprovalMode::automatic) == "auto");
    BOOST_TEST(to_string(ApprovalMode::manual) == "manual");
    BOOST_TEST(to_string(ApprovalMode::dry_run) == "dry-run");
    BOOST_TEST((parse_approval_mode("dry-run") == ApprovalMode::dry_run));
    BOOST_TEST(!parse_approval_mode("yolo"));
}

BOOST_AUTO_TEST_CASE(relative_paths_are_relative_to_the_config_folder)
{
    ConfigDir dir;
    dir.write("etc/secrets/cs", "from-file\n");
    std::string text = config_text(
        "  client_secret_file: secrets/cs\n"
        "  ca_file: ../tls/ca.pem\n",
        "inbox:\n"
        "  - in\n"
        "  - path: ../shared/drop/\n"
        "  - path: /abs/inbox\n");
    fs::path file = dir.write("etc/config.yaml", text);
    // Loaded through a relative name, as `xferd check --config etc/config.yaml` would.
    fs::path cwd = fs::current_path();
    fs::current_path(dir.path);
    auto r = load_config("etc/config.yaml", env_secrets);
    fs::current_path(cwd);
    BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
    const Config& c = *r;
    BOOST_TEST(c.config_file == file);
    BOOST_TEST(c.api.client_secret == "from-file");
    BOOST_TEST(c.api.client_secret_source.file == dir.path / "etc" / "secrets" / "cs");
    BOOST_TEST(*c.api.ca_file == dir.path / "tls" / "ca.pem");
    BOOST_REQUIRE_EQUAL(c.inboxes.size(), 3u);
    BOOST_TEST(c.inboxes[0].path == dir.path / "etc" / "in");
    BOOST_TEST(c.inboxes[1].path == dir.path / "shared" / "drop");
    BOOST_TEST(c.inboxes[2].path == fs::path("/abs/inbox"));
    BOOST_TEST(c.state_dir == dir.path / "etc" / "state");
}

BOOST_AUTO_TEST_CASE(inbox_may_be_a_single_path)
{
    ConfigDir dir;
    auto r = load_config(dir.write("config.yaml", config_text("", "inbox: drop\n")), env_secrets);
    BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
    BOOST_REQUIRE_EQUAL(r->inboxes.size(), 1u);
    BOOST_TEST(r->inboxes[0].path == dir.path / "drop");
}

BOOST_AUTO_TEST_CASE(inbox_columns_override_top_level_ones_for_the_same_header)
{
    ConfigDir dir;
    std::string text = config_text("",
                                   "columns:\n"
                                   "  Ticket: external_order_number\n"
                                   "  Line: service_number\n"
                                   "inbox:\n"
                                   "  - path: hr\n"
                                   "    columns:\n"
                                   "      ticket: MISC.TICKET\n"
                                   "      Asset: Service ID\n");
    auto r = load_config(dir.write("config.yaml", text), env_secrets);
    BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
    const ColumnMapping expected{
        {"Line", "service_number"}, {"ticket", "MISC.TICKET"}, {"Asset", "service_id"}};
    BOOST_TEST((r->inboxes[0].columns == expected));
    BOOST_TEST(r->columns.at("Ticket") == "external_order_number");
}

BOOST_AUTO_TEST_CASE(sheet_names_the_xlsx_sheet_top_level_and_per_inbox)
{
    ConfigDir dir;
    std::string text = config_text("", "sheet: Leavers\n"
                                       "inbox:\n"
                                       "  - path: hr\n"
                                       "    sheet: Workday export\n"
                                       "  - path: ops\n");
    auto r = load_config(dir.write("config.yaml", text), env_secrets);
    BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
    BOOST_TEST(r->sheet == "Leavers");
    BOOST_TEST(r->inboxes[0].sheet.value() == "Workday export");
    BOOST_TEST(!r->inboxes[1].sheet.has_value());  // takes the top-level one
    const std::string effective = describe_config(*r);
    CHECK_CONTAINS(effective, "sheet: Workday export");
    CHECK_CONTAINS(effective, "sheet: Leavers");

    auto none = load_config(dir.write("none.yaml", config_text()), env_secrets);
    BOOST_REQUIRE(none.has_value());
    BOOST_TEST(none->sheet.empty());  // the first visible sheet
    CHECK_CONTAINS(describe_config(*none), "sheet: ~  # .xlsx: the first visible sheet");

    const std::string bad = error_of(load_config(dir.write("bad.yaml", config_text("", "sheet: \"Q4/Leavers\"\n")), env_secrets));
    CHECK_CONTAINS(bad, "line 8");
    CHECK_CONTAINS(bad, "'sheet' is 'Q4/Leavers', which cannot be an Excel sheet name (at most 31 characters, none of "
                        ": \\ / ? * [ ]): write the name as it is on the sheet's tab");
    CHECK_CONTAINS(error_of(load_config(dir.write("long.yaml", config_text("", "inbox:\n  - path: hr\n    sheet: " +
                                                                                 std::string(32, 'x') + "\n")),
                                        env_secrets)),
                   "'inbox[0].sheet' is 'xxxx");
    CHECK_CONTAINS(error_of(load_config(dir.write("empty.yaml", config_text("", "sheet: \"\"\n")), env_secrets)),
                   "'sheet' is empty");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(unknown_key_names_the_line_and_suggests_the_right_one)
{
    ConfigDir dir;
    fs::path file = dir.write("config.yaml", config_text("  concurency: 5\n"));
    std::string e = error_of(load_config(file, env_secrets));
    BOOST_TEST(e == file.string() +
                        " line 7: unknown key 'concurency' under 'api' (did you mean 'concurrency'?)");
}

BOOST_AUTO_TEST_CASE(unknown_keys_elsewhere)
{
    ConfigDir dir;
    std::string text = config_text("",
                                   "stat_dir: x\n"          // line 8
                                   "approval:\n"
                                   "  mod: manual\n"        // line 10
                                   "inbox:\n"
                                   "  - paht: x\n"          // line 12
                                   "limits:\n"
                                   "  bananas: 3\n");       // line 14
    fs::path file = dir.write("config.yaml", text);
    std::string e = error_of(load_config(file, env_secrets));
    std::string f = file.string();
    CHECK_CONTAINS(e, f + " line 8: unknown key 'stat_dir' under the top level (did you mean 'state_dir'?)");
    CHECK_CONTAINS(e, f + " line 10: unknown key 'mod' under 'approval' (did you mean 'mode'?)");
    CHECK_CONTAINS(e, f + " line 12: unknown key 'paht' under 'inbox[0]' (did you mean 'path'?)");
    CHECK_CONTAINS(e, f + " line 12: missing required key 'inbox[0].path'");
    CHECK_CONTAINS(e, f + " line 14: unknown key 'bananas' under 'limits'; known keys: "
                          "max_file_bytes, max_field_bytes, max_row_bytes, max_columns");
    // Reported in file order, one a line.
    BOOST_TEST(e.find("line 8:") < e.find("line 10:"));
    BOOST_TEST(e.find("line 10:") < e.find("line 14:"));
}

BOOST_AUTO_TEST_CASE(missing_required_keys_are_named)
{
    const std::vector<std::string> keys{"base_url", "token_url", "tenant", "client_id", "username"};
    for (const auto& key : keys) {
        ConfigDir dir;
        std::string text = config_text();
        auto at = text.find("  " + key + ":");
        text.erase(at, text.find('\n', at) - at + 1);
        fs::path file = dir.write("config.yaml", text);
        std::string e = error_of(load_config(file, env_secrets));
        CHECK_CONTAINS(e, file.string() + " line 1: missing required key 'api." + key + "'");
    }
    ConfigDir dir;
    std::string text = config_text();
    text.erase(text.find("state_dir"));
    fs::path file = dir.write("config.yaml", text);
    std::string e = error_of(load_config(file, env_secrets));
    BOOST_TEST(e == file.string() + ": missing required key 'state_dir' (where journals and the "
                                    "ledger live, e.g. /var/lib/xferd)");

    fs::path no_api = dir.write("no-api.yaml", "state_dir: /tmp\n");
    CHECK_CONTAINS(error_of(load_config(no_api, env_secrets)), "missing required section 'api'");
}

BOOST_AUTO_TEST_CASE(http_urls_are_refused_because_tls_cannot_be_turned_off)
{
    ConfigDir dir;
    std::string text = config_text();
    text.replace(text.find("https://127.0.0.1:8443/mobproc"), 8, "http://");
    fs::path file = dir.write("config.yaml", text);
    std::string e = error_of(load_config(file, env_secrets));
    CHECK_CONTAINS(e, file.string() + " line 2: 'api.base_url' must be an https:// URL, not http://");
    CHECK_CONTAINS(e, "TLS verification is always on and there is no way to turn it off");
}

BOOST_AUTO_TEST_CASE(bad_urls)
{
    struct Case {
        std::string url;
        std::string message;
    };
    const std::vector<Case> cases{
        {"ftp://host/x", "'api.token_url' must be an https:// URL"},
        {"not a url", "'api.token_url' is not a valid URL"},
        {"https:///path", "'api.token_url' has no host name"},
        {"https://host/token?x=1", "must not have a '?query' or '#fragment' part"},
        {"https://user:s3cret-pw@host/token", "must not contain a user name or password"},
    };
    for (const auto& c : cases) {
        ConfigDir dir;
        std::string text = config_text();
        auto at = text.find("https://127.0.0.1:8443/as/token.oauth2");
        text.replace(at, std::string("https://127.0.0.1:8443/as/token.oauth2").size(), c.url);
        fs::path file = dir.write("config.yaml", text);
        std::string e = error_of(load_config(file, env_secrets));
        CHECK_CONTAINS(e, file.string() + " line 3: ");
        CHECK_CONTAINS(e, c.message);
        BOOST_TEST(!contains(e, "s3cret-pw"));
    }
}

BOOST_AUTO_TEST_CASE(a_trailing_slash_on_base_url_is_dropped)
{
    ConfigDir dir;
    std::string text = config_text();
    text.replace(text.find("/mobproc/v1"), 11, "/mobproc/v1/");
    auto r = load_config(dir.write("config.yaml", text), env_secrets);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->api.base_url == "https://127.0.0.1:8443/mobproc/v1");
}

BOOST_AUTO_TEST_CASE(wrong_types_and_values_name_key_line_and_allowed_values)
{
    struct Case {
        std::string api_extra;
        std::string extra;
        std::string message;  // after "FILE "
    };
    const std::vector<Case> cases{
        {"  concurrency: 0\n", "", "line 7: 'api.concurrency' must be a whole number from 1 to 1024, not '0'"},
        {"  concurrency: 2000\n", "", "line 7: 'api.concurrency' must be a whole number from 1 to 1024, not '2000'"},
        {"  concurrency: many\n", "", "line 7: 'api.concurrency' must be a whole number from 1 to 1024, not 'many'"},
        {"  concurrency: [1, 2]\n", "", "line 7: 'api.concurrency' must be a single value, not a list or map"},
        {"  max_attempts: 0\n", "", "line 7: 'api.max_attempts' must be a whole number from 1 to 100"},
        {"  connect_timeout: 5 parsecs\n", "",
         "line 7: 'api.connect_timeout' must be a duration such as 500ms, 10s, 2m, 1h, 1d or a number of seconds, not '5 parsecs'"},
        {"  request_timeout: 0s\n", "", "line 7: 'api.request_timeout' must be between 1ms and 1h, not 0s"},
        {"  retry_base_delay: 5s\n  retry_max_delay: 1s\n", "",
         "line 8: 'api.retry_max_delay' (1s) must not be shorter than 'api.retry_base_delay' (5s)"},
        {"  rate_limit: -1\n", "", "line 7: 'api.rate_limit' must be a number of requests per second"},
        {"  rate_limit: 1e-12\n", "",
         "line 7: 'api.rate_limit' must be a number of requests per second: 0 (no limit) or from 0.01 (a call every "
         "100s) to 1000000, not '1e-12'"},
        {"  tenant: ''\n", "", "line 7: key 'tenant' appears twice under 'api'; keep only one"},
        {"", "approval:\n  mode: yolo\n", "line 9: 'approval.mode' must be auto, manual or dry-run, not 'yolo'"},
        {"", "approval:\n  max_reject_ratio: 1.5\n",
         "line 9: 'approval.max_reject_ratio' must be a number from 0 to 1 (0.5 = half the rows), not '1.5'"},
        {"", "approval:\n  check_service_active: maybe\n",
         "line 9: 'approval.check_service_active' must be true or false, not 'maybe'"},
        {"", "approval:\n  max_age: 10ms\n", "line 9: 'approval.max_age' must be between 1s and 366d, not 10ms"},
        {"", "approval: manual\n", "line 8: 'approval' must be a map of 'key: value' lines"},
        {"", "limits:\n  max_file_bytes: 10 MB\n",
         "line 9: 'limits.max_file_bytes' must be a size from 1 to 1125899906842624 bytes (a number, optionally with KiB, MiB or GiB), not '10 MB'"},
        {"", "limits:\n  max_file_bytes: 1KiB\n  max_field_bytes: 2KiB\n",
         "line 10: 'limits.max_field_bytes' must not be larger than 'limits.max_file_bytes'"},
        {"", "inbox:\n  - path: a\n    approval_mode: later\n",
         "line 10: 'inbox[0].approval_mode' must be auto, manual or dry-run, not 'later'"},
        {"", "inbox:\n  - a\n  - a/\n", "line 10: 'inbox[1]': "},
        {"", "inbox:\n  - [a, b]\n", "line 9: 'inbox[0]' must be a folder path or a map with 'path:'"},
        {"", "inbox:\n  - ~/drop\n", "line 9: 'inbox[0]': '~' is not expanded; write the full path"},
        {"", "columns:\n  Asset ID: service_idd\n",
         "line 9: 'columns': header 'Asset ID' maps to 'service_idd', which is not a column xferd knows; use one of "
         "external_order_number, service_id, service_number, contact_number, personal_email, "
         "additional_instructions, employee_email, employee_id, or GROUP.FIELD for another order property"},
        {"", "columns:\n  Asset ID: service_id\n  asset-id: service_id\n",
         "line 10: 'columns': headers 'Asset ID' and 'asset-id' are the same header"},
        {"", "columns: [a]\n", "line 8: 'columns' must be a map of 'Header In File: canonical_column' lines"},
        {"", "watch:\n  rescan_interval: 10ms\n", "line 9: 'watch.rescan_interval' must be between 1s and 1d, not 10ms"},
    };
    for (const auto& c : cases) {
        ConfigDir dir;
        fs::path file = dir.write("config.yaml", config_text(c.api_extra, c.extra));
        auto r = load_config(file, env_secrets);
        BOOST_TEST_CONTEXT(c.api_extra + c.extra)
        {
            std::string e = error_of(r);
            CHECK_CONTAINS(e, file.string() + " " + c.message);
        }
    }
}

BOOST_AUTO_TEST_CASE(yaml_syntax_errors_give_the_line)
{
    ConfigDir dir;
    fs::path file = dir.write("config.yaml", "api:\n  base_url: [unclosed\nstate_dir: x\n");
    std::string e = error_of(load_config(file, env_secrets));
    CHECK_CONTAINS(e, file.string() + " line ");
    CHECK_CONTAINS(e, "not valid YAML");
}

BOOST_AUTO_TEST_CASE(unreadable_and_empty_config_files)
{
    ConfigDir dir;
    std::string e = error_of(load_config(dir.path / "missing.yaml", env_secrets));
    BOOST_TEST(e == "cannot read " + (dir.path / "missing.yaml").string() + ": No such file or directory");
    fs::path empty = dir.write("empty.yaml", "# nothing yet\n");
    CHECK_CONTAINS(error_of(load_config(empty, env_secrets)), "the config file is empty");
    fs::path list = dir.write("list.yaml", "- a\n- b\n");
    CHECK_CONTAINS(error_of(load_config(list, env_secrets)), "the config must be a map");
}

BOOST_AUTO_TEST_SUITE_END()
