// What the config accepts is what the batch reader does: one rule for column targets, one for
// column names (config, batch header, confirmation CSV), one set of limits.
#include <boost/test/unit_test.hpp>

#include "batch_helpers.hpp"
#include "temp_dir.hpp"
#include "xferd/core/approval.hpp"
#include "xferd/core/batch_reader.hpp"
#include "xferd/core/config.hpp"
#include "xferd/service/config_loading.hpp"
#include "xferd/core/csv_columns.hpp"

#include <fstream>
#include <string>

using namespace xferd;
using namespace xferd::test;
namespace fs = std::filesystem;

namespace {

const EnvLookup env_secrets = [](const std::string& name) -> std::optional<std::string> {
    if (name == "XFERD_CLIENT_SECRET" || name == "XFERD_PASSWORD") return "secret";
    return std::nullopt;
};

// A valid config (lines 1-6) followed by `extra` from line 7 on.
Result<Config> load(const TempDir& dir, const std::string& extra)
{
    const fs::path file = dir / "config.yaml";
    std::ofstream(file, std::ios::binary) << "api:\n"
                                             "  base_url: https://127.0.0.1:8443/mobproc/v1\n"
                                             "  token_url: https://127.0.0.1:8443/as/token.oauth2\n"
                                             "  tenant: ACME\n"
                                             "  client_id: demo-client\n"
                                             "  username: svc\n" +
                                                 extra + "state_dir: state\n";
    return load_config(file, env_secrets);
}

std::string refusal(const Result<Config>& r)
{
    BOOST_REQUIRE_MESSAGE(!r, "expected the config to be refused");
    return r.error().message;
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

const std::string header =
    "external_order_number,service_id,service_number,contact_number,personal_email,Notes\r\n";
const std::string good_row = "EO-1,38382555,2035551111,2035558888,p@example.com,hello\r\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(column_targets)

// The config once had its own copy of the target rule that allowed '-' in GROUP.FIELD: this
// mapping passed `xferd check`, then every batch was rejected by the reader.
BOOST_AUTO_TEST_CASE(a_target_the_reader_refuses_is_refused_by_the_config)
{
    TempDir dir;
    const std::string e = refusal(load(dir, "columns:\n  Notes: ACME-HR.note\n"));
    BOOST_TEST(contains(e, (dir / "config.yaml").string() + " line 8: 'columns': header 'Notes' maps to "
                           "'ACME-HR.note', which is not a column xferd knows; use one of "
                           "external_order_number, service_id,"),
               e);
    BOOST_TEST(contains(e, "or GROUP.FIELD for another order property (GROUP and FIELD each of "
                           "letters, digits and '_', e.g. MISCELLANEOUS.CONTACT_NUMBER_EXT)"),
               e);
    // What the reader says of the same mapping, for the record.
    const auto r = read_chunked(BatchFormat::csv, header + good_row, 0, {{"Notes", "ACME-HR.note"}});
    BOOST_TEST(r.error.has_value());
}

BOOST_AUTO_TEST_CASE(a_target_the_config_accepts_is_read_by_the_reader)
{
    TempDir dir;
    const auto c = load(dir, "columns:\n  Notes: ACME_HR.note\n  Mobile: Service Number\n");
    BOOST_REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
    BOOST_TEST(c->columns.at("Notes") == "ACME_HR.note");
    BOOST_TEST(c->columns.at("Mobile") == "service_number");  // the canonical name
    const auto r = read_chunked(BatchFormat::csv,
                                "external_order_number,service_id,Mobile,contact_number,personal_email,Notes\r\n" +
                                    good_row,
                                0, c->columns);
    BOOST_REQUIRE(!r.error);
    BOOST_REQUIRE(r.rows.size() == 1u);
    BOOST_TEST(r.rows[0].valid(), r.rows[0].error_text());
    BOOST_REQUIRE(r.rows[0].row.extra_properties.size() == 1u);
    BOOST_TEST(r.rows[0].row.extra_properties[0].group_id == "ACME_HR");
    BOOST_TEST(r.rows[0].row.extra_properties[0].text == "hello");
}

BOOST_AUTO_TEST_CASE(mapping_targets)
{
    BOOST_TEST(*mapping_target("service_id") == "service_id");
    BOOST_TEST(*mapping_target("Service ID") == "service_id");
    BOOST_TEST(*mapping_target("EXTERNAL-ORDER-NUMBER") == "external_order_number");
    BOOST_TEST(*mapping_target("MISCELLANEOUS.CONTACT_NUMBER_EXT") == "MISCELLANEOUS.CONTACT_NUMBER_EXT");
    BOOST_TEST(*mapping_target("Miscellaneous.Service_Number") == "service_number");
    BOOST_TEST(!mapping_target("service_idd"));
    BOOST_TEST(!mapping_target("ACME-HR.note"));
    BOOST_TEST(!mapping_target("a.b.c"));
    BOOST_TEST(!mapping_target(".FIELD"));
    BOOST_TEST(!mapping_target("GROUP."));
    BOOST_TEST(!mapping_target("GROUP.FI ELD"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(column_names)

// The same spellings of one name, as people and spreadsheets write them.
const std::vector<std::string> spellings = {
    "External Order Number", "EXTERNAL_ORDER_NUMBER", "external-order-number", "externalordernumber",
    "External\tOrder\tNumber", "External\xC2\xA0Order\xC2\xA0Number", " external order number\t",
};

BOOST_AUTO_TEST_CASE(config_batch_header_and_confirmation_csv_agree)
{
    for (const auto& name : spellings) {
        BOOST_TEST(normalise_column_name(name) == "externalordernumber", name);

        // The batch reader: a header cell spelt so is the column.
        const std::string batch = name + ",service_id,service_number,contact_number,personal_email\n" +
                                  "EO-1,38382555,2035551111,2035558888,p@example.com\n";
        const auto r = read_chunked(BatchFormat::csv, batch);
        BOOST_REQUIRE_MESSAGE(!r.error, name << ": " << r.error->message);
        BOOST_TEST(r.rows.at(0).row.external_order_number == "EO-1");

        // The config: a `columns:` key spelt so is the same header as "External Order Number".
        TempDir dir;
        const std::string e = refusal(load(dir, "columns:\n  \"External Order Number\": service_id\n  \"" +
                                                    std::string(name == spellings[0] ? "EXTERNAL ORDER NUMBER" : name) +
                                                    "\": service_id\n"));
        BOOST_TEST(contains(e, "are the same header"), name << ": " << e);

        // The confirmation CSV saved back by an operator: the column is found.
        const auto a = parse_approved_csv("row," + name + ",approve\n1,EO-1,yes\n");
        BOOST_REQUIRE_MESSAGE(a, name << ": " << (a ? "" : a.error().message));
        BOOST_TEST(a->rows.at(0).external_order_number == "EO-1");
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(limits)

BOOST_AUTO_TEST_CASE(every_limit_is_read_and_described)
{
    TempDir dir;
    auto c = load(dir, "");
    BOOST_REQUIRE(c);
    const BatchLimits defaults;
    BOOST_TEST(c->limits.max_file_bytes == defaults.max_file_bytes);
    BOOST_TEST(c->limits.max_row_bytes == 1024u * 1024);
    BOOST_TEST(c->limits.max_columns == 256u);
    c = load(dir, "limits:\n  max_file_bytes: 2KiB\n  max_field_bytes: 100\n  max_row_bytes: 1KiB\n"
                  "  max_columns: 12\n");
    BOOST_REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
    BOOST_TEST(c->limits.max_file_bytes == 2048u);
    BOOST_TEST(c->limits.max_field_bytes == 100u);
    BOOST_TEST(c->limits.max_row_bytes == 1024u);
    BOOST_TEST(c->limits.max_columns == 12u);
    const std::string text = describe_config(*c);
    BOOST_TEST(contains(text, "max_row_bytes: 1KiB"), text);
    BOOST_TEST(contains(text, "max_columns: 12"), text);

    BOOST_TEST(contains(refusal(load(dir, "limits:\n  max_field_bytes: 2MiB\n")),
                        "line 8: 'limits.max_field_bytes' (2MiB) must not be larger than "
                        "'limits.max_row_bytes' (1MiB): a row holds its fields; raise both"));
    BOOST_TEST(contains(refusal(load(dir, "limits:\n  max_columns: 0\n")),
                        "line 8: 'limits.max_columns' must be a whole number from 1 to 65536, not '0'"));
}

// `validate` and `once` read through the same reader with the config's limits: a file over
// limits.max_file_bytes is a file error there, whoever opened the file.
BOOST_AUTO_TEST_CASE(the_config_limits_are_the_readers)
{
    TempDir dir;
    const auto c = load(dir, "limits:\n  max_file_bytes: 1KiB\n  max_field_bytes: 100\n  max_columns: 8\n");
    BOOST_REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
    std::string input = header;
    while (input.size() <= 1024) {
        input += good_row;
    }
    const auto r = read_chunked(BatchFormat::csv, input, 0, {}, c->limits);
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.error->message == "the file is larger than 1KiB (limits.max_file_bytes): split it "
                                   "into smaller batches, or raise limits.max_file_bytes in the config");
    BOOST_TEST(r.error->byte_offset.value() == 1024u);
    BOOST_TEST(r.rows.size() == (1024 - header.size()) / good_row.size());  // the whole rows before
    BOOST_TEST(render(read_chunked(BatchFormat::csv, input, 1, {}, c->limits)) == render(r));
    BOOST_TEST(render(read_chunked(BatchFormat::csv, input, 100, {}, c->limits)) == render(r));

    // Exactly at the limit is fine.
    const auto at = read_chunked(BatchFormat::csv, input.substr(0, header.size() + good_row.size()), 0, {},
                                 BatchLimits{header.size() + good_row.size(), 100, 1000, 8});
    BOOST_TEST(!at.error, render(at));
}

BOOST_AUTO_TEST_SUITE_END()
