// The sample batches agree with the simulator's fixtures: every row the samples README calls
// valid is confirmed, and every special row gets the answer the README promises.
#include <boost/test/unit_test.hpp>

#include "sim_fixture.hpp"

#include "xferd/batch/row_stream.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace xferd::test;
namespace json = boost::json;

namespace {

std::string slurp(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Just enough RFC 4180 for the samples: quotes, doubled quotes, embedded line breaks, CRLF, BOM.
std::vector<std::map<std::string, std::string>> read_csv(const std::string& path, char sep)
{
    std::string text = slurp(path);
    if (text.starts_with("\xEF\xBB\xBF"))
        text.erase(0, 3);
    std::vector<std::vector<std::string>> records(1);
    std::string cell;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') { cell += '"'; ++i; }
            else if (c == '"') quoted = false;
            else cell += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == sep) {
            records.back().push_back(std::move(cell));
            cell.clear();
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
                ++i;
            records.back().push_back(std::move(cell));
            cell.clear();
            records.emplace_back();
        } else {
            cell += c;
        }
    }
    if (records.back().empty())
        records.pop_back();
    std::vector<std::map<std::string, std::string>> rows;
    for (std::size_t r = 1; r < records.size(); ++r) {
        std::map<std::string, std::string> row;
        for (std::size_t k = 0; k < records[0].size() && k < records[r].size(); ++k)
            row[records[0][k]] = records[r][k];
        rows.push_back(std::move(row));
    }
    return rows;
}

json::object request_from(const std::string& ext, const std::string& service, const std::string& number,
                          const std::string& contact, const std::string& email, const std::string& note)
{
    json::array fields;
    auto add = [&](const char* id, const std::string& v) {
        if (!v.empty())
            fields.push_back(json::object{{"id", id}, {"type", "TEXT"}, {"text", v}});
    };
    add("CONTACT_NUMBER", contact);
    add("ADDITIONAL_INSTRUCTIONS", note);
    add("PERSONAL_EMAIL", email);
    add("SERVICE_NUMBER", number);
    return json::object{{"externalOrderNumber", ext}, {"serviceId", service},
                        {"transactionType", "XFER_SERVICE_OUT"},
                        {"properties", json::array{json::object{{"groupId", "MISCELLANEOUS"}, {"fields", fields}}}}};
}

struct Confirmer {
    explicit Confirmer(SimFixture& sim) : c(sim.client()), h(SimFixture::api_headers(sim.token())) {}
    HttpsTestClient c;
    Headers h;
    std::set<std::string> services;

    // (HTTP status, body) of a confirm call; records the service for the distinctness check.
    std::pair<int, json::value> confirm(const json::object& order_request)
    {
        std::string sid(order_request.at("serviceId").as_string());
        BOOST_TEST(services.insert(sid).second, "service " << sid << " appears in two sample rows");
        auto res = c.post("/mobproc/v1/orders?confirm=true",
                          json::serialize(json::object{{"orderRequest", order_request}}), h);
        return {res.status, res.json()};
    }
};

std::string code_of(const json::value& body)
{
    return std::string(body.at("errors").at(0).at("errorCode").as_string());
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

}  // namespace

BOOST_AUTO_TEST_CASE(sample_batches_match_the_fixtures_and_the_readme)
{
    SimFixture sim;
    Confirmer k(sim);
    const std::string dir = XFERD_SOURCE_DIR "/samples/";

    // Excel export: title-case headers, rows 4, 5, 6, 8, 9 are special.
    auto excel = read_csv(dir + "batches/offboarding-2026-11-excel.csv", ',');
    BOOST_TEST_REQUIRE(excel.size() == 12u);
    BOOST_TEST(excel[1]["Additional Instructions"].find('\n') != std::string::npos);
    for (std::size_t i = 0; i < excel.size(); ++i) {
        auto& r = excel[i];
        auto [status, body] = k.confirm(request_from(r["External Order Number"], r["Service ID"], r["Service Number"],
                                                     r["Contact Number"], r["Personal Email"],
                                                     r["Additional Instructions"]));
        std::size_t row = i + 1;
        BOOST_TEST_CONTEXT("excel row " << row)
        {
            if (row == 5) {  // bad e-mail: INVALID offline; the simulator refuses it too
                BOOST_TEST(status == 400);
                BOOST_TEST(code_of(body) == "400-Invalid-Property-Value-error");
            } else if (row == 8) {
                BOOST_TEST(status == 400);
                BOOST_TEST(code_of(body) == "400-Service-Not-Active-error");
            } else if (row == 9) {
                BOOST_TEST(status == 400);
                BOOST_TEST(code_of(body) == "400-Service-Not-Found-error");
            } else {
                BOOST_TEST_REQUIRE(status == 200);
                auto& conf = body.at("orderConfirmation");
                BOOST_TEST(str(conf.at("accountHolder").at("email")) == r["Employee Email"]);
                bool number_matches = str(conf.at("service").at("serviceNumber")) == r["Service Number"];
                BOOST_TEST(number_matches == (row != 4));  // row 4: mismatch
                BOOST_TEST((r["Contact Number"] == "2.03556E+09") == (row == 6));
            }
        }
    }

    auto eu = read_csv(dir + "batches/offboarding-eu-semicolon.csv", ';');
    BOOST_TEST_REQUIRE(eu.size() == 6u);
    for (auto& r : eu) {
        auto [status, body] = k.confirm(request_from(r["external_order_number"], r["service_id"], r["service_number"],
                                                     r["contact_number"], r["personal_email"],
                                                     r["additional_instructions"]));
        BOOST_TEST_REQUIRE(status == 200);
        BOOST_TEST(str(body.at("orderConfirmation").at("service").at("serviceNumber")) == r["service_number"]);
        BOOST_TEST(str(body.at("orderConfirmation").at("accountHolder").at("email")) == r["employee_email"]);
    }

    auto json_batch = json::parse(slurp(dir + "batches/offboarding-2026-11.json")).at("orderRequests").as_array();
    BOOST_TEST_REQUIRE(json_batch.size() == 6u);
    std::vector<json::object> ndjson;
    std::istringstream lines(slurp(dir + "batches/offboarding-2026-11-ticketing.ndjson"));
    for (std::string line; std::getline(lines, line);)
        if (!line.empty())
            ndjson.push_back(json::parse(line).as_object());
    BOOST_TEST_REQUIRE(ndjson.size() == 6u);
    auto check_json_rows = [&](std::vector<json::object> rows, const std::string& last_code) {
        for (std::size_t i = 0; i < rows.size(); ++i) {
            auto req = rows[i];
            auto email = req.if_contains("employeeEmail");
            auto id = req.if_contains("employeeId");
            auto [status, body] = k.confirm(req);
            if (i + 1 == rows.size()) {
                BOOST_TEST(status == 400);
                BOOST_TEST(code_of(body) == last_code);
                continue;
            }
            BOOST_TEST_REQUIRE(status == 200);
            auto& holder = body.at("orderConfirmation").at("accountHolder");
            if (email)
                BOOST_TEST(holder.at("email") == *email);
            if (id)
                BOOST_TEST(holder.at("companyEmployeeId") == *id);
        }
    };
    std::vector<json::object> json_rows;
    for (auto& v : json_batch)
        json_rows.push_back(v.as_object());
    check_json_rows(json_rows, "400-Missing-Required-Property-error");
    check_json_rows(ndjson, "400-Service-Not-Active-error");

    auto hr = read_csv(dir + "hr-feed/workday-terminations-2026-11-30.csv", ',');
    BOOST_TEST_REQUIRE(hr.size() == 10u);
    for (std::size_t i = 0; i < hr.size(); ++i) {
        auto& r = hr[i];
        auto [status, body] = k.confirm(request_from(r["Case Number"], r["Asset ID"], r["Mobile Number"],
                                                     r["Personal Mobile"], r["Personal Email"], r["Notes"]));
        BOOST_TEST_REQUIRE(status == 200);
        auto& holder = body.at("orderConfirmation").at("accountHolder");
        BOOST_TEST(str(holder.at("companyEmployeeId")) == r["Worker ID"]);
        BOOST_TEST((str(holder.at("email")) == r["Employee Email"]) == (i + 1 != 7));  // row 7: mismatch
    }

    // The workbook, read as xferd reads it: rows 1-3, 5, 8-11 confirmed and matching; row 4's
    // contact number lost its leading zero (INVALID offline); row 6 is empty; row 7 SUSPENDED.
    xferd::RowStream xlsx(dir + "batches/offboarding-2026-12.xlsx", xferd::BatchFormat::xlsx, {}, {});
    std::vector<std::size_t> numbers;
    while (auto p = xlsx.next()) {
        const auto& t = p->row;
        numbers.push_back(t.row);
        BOOST_TEST_CONTEXT("xlsx row " << t.row)
        {
            BOOST_TEST(p->valid() == (t.row != 4), p->error_text());
            auto [status, body] = k.confirm(request_from(t.external_order_number, t.service_id, t.service_number,
                                                         t.contact_number, t.personal_email, t.additional_instructions));
            if (t.row == 7) {
                BOOST_TEST(status == 400);
                BOOST_TEST(code_of(body) == "400-Service-Not-Active-error");
            } else if (t.row != 4) {
                BOOST_TEST_REQUIRE(status == 200);
                const auto& conf = body.at("orderConfirmation");
                BOOST_TEST(str(conf.at("service").at("serviceNumber")) == t.service_number);
                BOOST_TEST(str(conf.at("accountHolder").at("email")) == t.employee_email);
                BOOST_TEST(str(conf.at("accountHolder").at("companyEmployeeId")) == t.employee_id);
            }
        }
    }
    BOOST_TEST(!xlsx.error(), xlsx.error()->message);
    BOOST_TEST(numbers == (std::vector<std::size_t>{1, 2, 3, 4, 5, 7, 8, 9, 10, 11}), boost::test_tools::per_element());
    BOOST_TEST(xlsx.ignored_columns() == std::vector<std::string>{"Last Working Day"});
    BOOST_TEST(sim.audit_entries().empty());
}
