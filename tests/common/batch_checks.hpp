// Boost.Test checks for the batch reader tests (batch_helpers.hpp has the plain helpers the
// fuzz target shares): every split point, the tutorial row, a CSV batch's lines.
#pragma once

#include <boost/test/unit_test.hpp>

#include "batch_helpers.hpp"

#include <string>
#include <string_view>

namespace xferd::test {

// The API tutorial's example request, read as row 1 of a batch.
inline void check_tutorial_row(const xferd::ParsedRow& a)
{
    BOOST_TEST(a.valid(), a.error_text());
    BOOST_TEST(a.row.row == 1u);
    BOOST_TEST(a.row.external_order_number == "AZ99087547-001");
    BOOST_TEST(a.row.service_id == "38382555");
    BOOST_TEST(a.row.service_number == "2035551111");
    BOOST_TEST(a.row.contact_number == "2035558888");
    BOOST_TEST(a.row.personal_email == "peter.edwards@example.com");
    BOOST_TEST(a.row.additional_instructions ==
               "Please confirm with account holder that service has been successfully transferred");
}

inline bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

inline const std::string header_line =
    "external_order_number,service_id,service_number,contact_number,personal_email,additional_instructions\r\n";

inline std::string good_line(int n)
{
    const std::string four = std::to_string(1000 + n % 9000);
    return "EO-" + std::to_string(n) + ",3838" + four + ",203555" + four + ",2035558888,user" +
           std::to_string(n) + "@example.com,\r\n";
}

inline ReadResult csv(std::string_view input, const ColumnMapping& mapping = {}, BatchLimits limits = {})
{
    return read_chunked(BatchFormat::csv, input, 0, mapping, limits);
}

// The single-feed reading must equal the 1-byte feed and every two-piece split.
inline void check_every_split(BatchFormat format, const std::string& input, const ColumnMapping& mapping = {},
                       BatchLimits limits = {})
{
    const std::string whole = render(read_chunked(format, input, 0, mapping, limits));
    BOOST_TEST(render(read_chunked(format, input, 1, mapping, limits)) == whole);
    BOOST_TEST(render(read_chunked(format, input, 7, mapping, limits)) == whole);
    for (std::size_t cut = 0; cut <= input.size(); ++cut) {
        const std::string split = render(read_cut(format, input, {cut}, mapping, limits));
        if (split != whole) {
            BOOST_TEST(split == whole, "cut at " << cut);
            return;
        }
    }
}

// A bare orderRequest that is valid as it is; `members` go in before "properties", `fields`
// first in its MISCELLANEOUS group (each ending with a comma).
inline std::string json_request(const std::string& eon, const std::string& members = "",
                                const std::string& fields = "")
{
    return R"({"externalOrderNumber":")" + eon + R"(","serviceId":"38382555",)" + members +
           R"("properties":[{"groupId":"MISCELLANEOUS","fields":[)" + fields +
           R"({"id":"SERVICE_NUMBER","type":"TEXT","text":"2035551111"},)"
           R"({"id":"CONTACT_NUMBER","type":"TEXT","text":"2035558888"},)"
           R"({"id":"PERSONAL_EMAIL","type":"TEXT","text":"p@example.com"}]}]})";
}

}  // namespace xferd::test
