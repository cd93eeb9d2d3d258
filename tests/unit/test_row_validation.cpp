// Per-field rules, each with the kind of value an HR export or a spreadsheet really holds.
#include <boost/test/unit_test.hpp>

#include "xferd/core/row_validation.hpp"

#include <string>

using namespace xferd;

namespace {

std::string ok(const Result<std::string>& r)
{
    BOOST_TEST_REQUIRE(r.has_value(), "unexpected error: " << (r ? "" : r.error().message));
    return *r;
}

std::string err(const Result<std::string>& r)
{
    BOOST_TEST_REQUIRE(!r.has_value(), "expected an error, got '" << (r ? *r : "") << "'");
    return r.error().message;
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

RawRow good_row()
{
    RawRow raw;
    raw.row = 4;
    const auto set = [](RawField& f, std::string column, std::string value) {
        f.column = std::move(column);
        f.value = std::move(value);
        f.present = true;
    };
    set(raw.external_order_number, "External Order Number", " AZ99087547-001 ");
    set(raw.service_id, "Service ID", "38382555");
    set(raw.service_number, "Service Number", "(203) 555-1111");
    set(raw.contact_number, "Contact Number", "+1 203.555.8888");
    set(raw.personal_email, "Personal Email", "Peter.Edwards@Example.COM");
    set(raw.additional_instructions, "Notes", "  Call first\nthen transfer  ");
    raw.employee_email.column = "employee_email";
    raw.employee_id.column = "employee_id";
    return raw;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(excel_damage)

BOOST_AUTO_TEST_CASE(scientific_notation_with_point_or_comma)
{
    const auto m = excel_mangled_number("2.03556E+09");
    BOOST_REQUIRE(m);
    BOOST_TEST(contains(*m, "'2.03556E+09' is a number in scientific notation"));
    BOOST_TEST(contains(*m, "format the column as Text before pasting the values"));
    BOOST_TEST(contains(*m, "re-export the file from the source system"));
    BOOST_TEST(excel_mangled_number("2,03556E+09").has_value());
    BOOST_TEST(excel_mangled_number("1E+10").has_value());
    BOOST_TEST(!excel_mangled_number("12E45").has_value());  // Excel always writes the sign
    BOOST_TEST(!excel_mangled_number("2035551111").has_value());
}

BOOST_AUTO_TEST_CASE(precision_lost_after_15_digits)
{
    const auto m = excel_mangled_number("8901260123456780000");
    BOOST_REQUIRE(m);
    BOOST_TEST(contains(*m, "has 19 digits ending in 0: Excel keeps only 15 significant digits"));
    BOOST_TEST(!excel_mangled_number("890126012345678901").has_value());  // not ending in 0
    BOOST_TEST(!excel_mangled_number("203555111100000").has_value());     // 15 digits
}

BOOST_AUTO_TEST_CASE(decimal_tail)
{
    const auto m = excel_mangled_number("38382555.0");
    BOOST_REQUIRE(m);
    BOOST_TEST(contains(*m, "'38382555.0' has a decimal part"));
    BOOST_TEST(excel_mangled_number("2035551111,00").has_value());
    BOOST_TEST(!excel_mangled_number("203.555.1110").has_value());  // a dotted phone number
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fields)

BOOST_AUTO_TEST_CASE(service_id)
{
    BOOST_TEST(ok(normalise_service_id(" 38382555 ")) == "38382555");
    BOOST_TEST(ok(normalise_service_id("SVC_2024-17")) == "SVC_2024-17");
    BOOST_TEST(contains(err(normalise_service_id("3.83826E+07")), "scientific notation"));
    BOOST_TEST(contains(err(normalise_service_id("38382555.0")), "decimal part"));
    BOOST_TEST(contains(err(normalise_service_id("383 825 55")), "is not a service id"));
    BOOST_TEST(contains(err(normalise_service_id("3839OO48")), "did you mean 38390048?"));
    BOOST_TEST(contains(err(normalise_service_id("383900l7")), "did you mean 38390017?"));
    BOOST_TEST(ok(normalise_service_id("SVC-1001")) == "SVC-1001");   // a real word among the digits
    BOOST_TEST(ok(normalise_service_id("OI12")) == "OI12");           // too few digits to tell
    BOOST_TEST(contains(err(normalise_service_id(std::string(65, '7'))), "at most 64 characters"));
}

BOOST_AUTO_TEST_CASE(service_number)
{
    BOOST_TEST(ok(normalise_service_number("(203) 555-1111")) == "2035551111");
    BOOST_TEST(ok(normalise_service_number("203.555.1111")) == "2035551111");
    BOOST_TEST(ok(normalise_service_number("+1 203 555 1111")) == "2035551111");
    BOOST_TEST(ok(normalise_service_number("1-203-555-1111")) == "2035551111");
    BOOST_TEST(ok(normalise_service_number("203\xC2\xA0" "555\xC2\xA0" "1111")) == "2035551111");
    BOOST_TEST(err(normalise_service_number("203-555-111")) ==
               "'203-555-111' has 9 digits: the service number is the line's 10-digit number, "
               "e.g. 2035551111 or (203) 555-1111");
    BOOST_TEST(contains(err(normalise_service_number("+44 20 7946 0958")), "is not a US number"));
    BOOST_TEST(contains(err(normalise_service_number("203-555-1111 x12")), "is not a phone number"));
    BOOST_TEST(contains(err(normalise_service_number("2.03556E+09")), "scientific notation"));
    BOOST_TEST(contains(err(normalise_service_number("2035551111.0")), "decimal part"));
}

BOOST_AUTO_TEST_CASE(contact_number)
{
    BOOST_TEST(ok(normalise_contact_number("203-555-8888")) == "2035558888");
    BOOST_TEST(ok(normalise_contact_number("+1 (203) 555-8888")) == "2035558888");
    BOOST_TEST(ok(normalise_contact_number("+44 20 7946 0958")) == "+442079460958");
    BOOST_TEST(ok(normalise_contact_number("+49 30 1234567")) == "+49301234567");
    BOOST_TEST(contains(err(normalise_contact_number("+44 123")), "has 5 digits after the +"));
    BOOST_TEST(contains(err(normalise_contact_number("+1 203 555 888")), "has 9 digits after +1"));
    BOOST_TEST(contains(err(normalise_contact_number("555-8888")),
                        "has 7 digits: use a 10-digit US number (2035558888) or an international "
                        "number with + and the country code"));
    BOOST_TEST(contains(err(normalise_contact_number("call HR")), "is not a phone number"));
    BOOST_TEST(contains(err(normalise_contact_number("2,03556E+09")), "scientific notation"));
}

BOOST_AUTO_TEST_CASE(email)
{
    BOOST_TEST(ok(normalise_email(" Peter.Edwards@Example.COM ")) == "Peter.Edwards@example.com");
    BOOST_TEST(ok(normalise_email("p.edwards+xfer@mail.example.co.uk")) == "p.edwards+xfer@mail.example.co.uk");
    BOOST_TEST(err(normalise_email("peter.edwards@example")) ==
               "'peter.edwards@example' is not a plausible e-mail address (the domain after the "
               "'@' has no '.'): write one address like name@example.com");
    BOOST_TEST(contains(err(normalise_email("peter.edwards.example.com")), "it has no '@'"));
    BOOST_TEST(contains(err(normalise_email("a@example.com; b@example.com")), "space"));
    BOOST_TEST(contains(err(normalise_email("a@example.com;b@example.com")), "more than one '@'"));
    BOOST_TEST(contains(err(normalise_email("Peter Edwards <p@example.com>")), "space"));
    BOOST_TEST(contains(err(normalise_email("mailto:p@example.com")), "does not belong"));
    BOOST_TEST(contains(err(normalise_email("@example.com")), "nothing before the '@'"));
    BOOST_TEST(contains(err(normalise_email("p@example..com")), "misplaced '.'"));
}

BOOST_AUTO_TEST_CASE(external_order_number)
{
    BOOST_TEST(ok(normalise_external_order_number("  AZ99087547-001 ")) == "AZ99087547-001");
    BOOST_TEST(err(normalise_external_order_number(std::string(65, 'A'))) ==
               "is 65 characters long; the limit is 64: shorten it");
    BOOST_TEST(ok(normalise_external_order_number(std::string(64, 'A'))) == std::string(64, 'A'));
    BOOST_TEST(contains(err(normalise_external_order_number("AZ-1\tAZ-2")), "control character"));
    BOOST_TEST(contains(err(normalise_external_order_number("1.23457E+15")), "scientific notation"));
    // A long all-digit reference ending in 0 may be genuine for an order number.
    BOOST_TEST(ok(normalise_external_order_number("2024110100000000")) == "2024110100000000");
}

BOOST_AUTO_TEST_CASE(additional_instructions)
{
    BOOST_TEST(ok(normalise_additional_instructions(" Please confirm\r\nwith the holder ")) ==
               "Please confirm\r\nwith the holder");
    std::string thousand;
    for (int i = 0; i < 1000; ++i) {
        thousand += "é";  // 1000 characters, 2000 bytes
    }
    BOOST_TEST(ok(normalise_additional_instructions(thousand)) == thousand);
    BOOST_TEST(err(normalise_additional_instructions(thousand + "x")) ==
               "is 1001 characters long; MobProc takes at most 1000: shorten it");
}

BOOST_AUTO_TEST_CASE(employee_id)
{
    BOOST_TEST(ok(normalise_employee_id(" peter.edwards ")) == "peter.edwards");
    BOOST_TEST(contains(err(normalise_employee_id("1.00234E+05")), "scientific notation"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rows)

BOOST_AUTO_TEST_CASE(valid_row_is_normalised)
{
    const ParsedRow p = validate_row(good_row());
    BOOST_TEST(p.valid(), p.error_text());
    BOOST_TEST(p.row.row == 4u);
    BOOST_TEST(p.row.external_order_number == "AZ99087547-001");
    BOOST_TEST(p.row.service_id == "38382555");
    BOOST_TEST(p.row.service_number == "2035551111");
    BOOST_TEST(p.row.contact_number == "2035558888");
    BOOST_TEST(p.row.personal_email == "Peter.Edwards@example.com");
    BOOST_TEST(p.row.additional_instructions == "Call first\nthen transfer");
    BOOST_TEST(p.row.employee_email.empty());
}

BOOST_AUTO_TEST_CASE(one_error_per_bad_column_named_as_the_file_does)
{
    RawRow raw = good_row();
    raw.service_id.value = "";
    raw.service_number.value = "2.03556E+09";
    raw.personal_email.value = "peter";
    raw.employee_email = {"Manager Email", "boss@", true};
    const ParsedRow p = validate_row(raw);
    BOOST_REQUIRE(p.errors.size() == 4u);
    BOOST_TEST(p.errors[0].column == "Service ID");
    BOOST_TEST(p.errors[0].message ==
               "required, but empty: the MobProc service asset id of the line to transfer (e.g. 38382555)");
    BOOST_TEST(p.errors[1].column == "Service Number");
    BOOST_TEST(p.errors[2].column == "Personal Email");
    BOOST_TEST(p.errors[3].column == "Manager Email");
    BOOST_TEST(p.row.service_number == "2.03556E+09");  // kept as read, for the results file
    BOOST_TEST(p.error_text().starts_with(
        "column 'Service ID': required, but empty: the MobProc service asset id"));
    BOOST_TEST(contains(p.error_text(), "; column 'Service Number': '2.03556E+09' is a number in scientific notation"));
}

BOOST_AUTO_TEST_CASE(missing_json_member_is_named_missing)
{
    RawRow raw = good_row();
    raw.contact_number = {"properties.CONTACT_NUMBER", "", false};
    const ParsedRow p = validate_row(raw);
    BOOST_REQUIRE(p.errors.size() == 1u);
    BOOST_TEST(p.errors[0].column == "properties.CONTACT_NUMBER");
    BOOST_TEST(p.errors[0].message.starts_with("required, but missing: a phone number"));
}

BOOST_AUTO_TEST_CASE(unreadable_row_reports_only_its_reader_error)
{
    RawRow raw;
    raw.row = 9;
    raw.errors.push_back({"", "row has 3 fields, header has 6"});
    raw.skip_field_checks = true;
    const ParsedRow p = validate_row(raw);
    BOOST_TEST(p.error_text() == "row has 3 fields, header has 6");
}

BOOST_AUTO_TEST_SUITE_END()
