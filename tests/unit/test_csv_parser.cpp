// The RFC 4180 tokenizer on its own: records, quoting, line ends, limits, chunking.
#include <boost/test/unit_test.hpp>

#include "xferd/core/csv_parser.hpp"

#include <string>
#include <vector>

using namespace xferd;

namespace {

using Fields = std::vector<std::string>;

struct Parsed {
    std::vector<CsvRecord> records;
    std::optional<CsvError> error;
};

Parsed parse(std::string_view input, char delimiter = ',', CsvLimits limits = {}, std::size_t chunk = 0)
{
    CsvParser p(delimiter, limits);
    Parsed out;
    bool ok = true;
    if (chunk == 0) {
        ok = p.feed(input, out.records);
    } else {
        for (std::size_t at = 0; ok && at < input.size(); at += chunk) {
            ok = p.feed(input.substr(at, chunk), out.records);
        }
    }
    if (ok) {
        p.finish(out.records);
    }
    out.error = p.error();
    return out;
}

std::vector<Fields> fields(const Parsed& p)
{
    std::vector<Fields> out;
    for (const auto& r : p.records) {
        out.push_back(r.fields);
    }
    return out;
}

// One string for comparing two parses: fields, indexes, lines and the error.
std::string render(const Parsed& p)
{
    std::string s;
    for (const auto& r : p.records) {
        s += std::to_string(r.index) + "@" + std::to_string(r.line) + ":";
        for (const auto& f : r.fields) {
            s += "<" + f + ">";
        }
        for (const auto& o : r.overflows) {
            s += " cut " + std::to_string(static_cast<int>(o.kind)) + " field " + std::to_string(o.field) +
                 " [" + o.prefix + "]";
        }
        s += "\n";
    }
    if (p.error) {
        s += "error " + std::to_string(static_cast<int>(p.error->kind)) + " record " +
             std::to_string(p.error->record_index) + " line " + std::to_string(p.error->line) +
             " quote " + std::to_string(p.error->open_quote_line.value_or(0));
    }
    return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rfc4180)

// §2.1: each record on its own line, ended by CRLF.
BOOST_AUTO_TEST_CASE(records_end_with_crlf)
{
    const auto p = parse("aaa,bbb,ccc\r\nzzz,yyy,xxx\r\n");
    BOOST_TEST(!p.error);
    BOOST_TEST((fields(p) == std::vector<Fields>{{"aaa", "bbb", "ccc"}, {"zzz", "yyy", "xxx"}}));
    BOOST_TEST(p.records[1].index == 1u);
    BOOST_TEST(p.records[1].line == 2u);
}

// §2.2: the last record may have no line end.
BOOST_AUTO_TEST_CASE(last_record_without_line_end)
{
    const auto p = parse("aaa,bbb,ccc\r\nzzz,yyy,xxx");
    BOOST_TEST((fields(p) == std::vector<Fields>{{"aaa", "bbb", "ccc"}, {"zzz", "yyy", "xxx"}}));
}

// §2.3: a header is just the first record to the tokenizer.
BOOST_AUTO_TEST_CASE(header_is_a_record)
{
    const auto p = parse("field_name,field_name,field_name\r\naaa,bbb,ccc\r\n");
    BOOST_TEST(p.records.size() == 2u);
    BOOST_TEST(p.records[0].fields[0] == "field_name");
}

// §2.4: spaces are part of a field; the last field has no trailing delimiter.
BOOST_AUTO_TEST_CASE(spaces_are_kept)
{
    const auto p = parse(" aaa , bbb,ccc \n");
    BOOST_TEST((fields(p) == std::vector<Fields>{{" aaa ", " bbb", "ccc "}}));
}

// §2.5: any field may be quoted.
BOOST_AUTO_TEST_CASE(quoted_fields)
{
    const auto p = parse("\"aaa\",\"bbb\",\"ccc\"\r\nzzz,yyy,xxx\r\n");
    BOOST_TEST((fields(p) == std::vector<Fields>{{"aaa", "bbb", "ccc"}, {"zzz", "yyy", "xxx"}}));
}

// §2.6: line breaks, quotes and delimiters inside quoted fields.
BOOST_AUTO_TEST_CASE(line_breaks_and_delimiters_inside_quotes)
{
    const auto p = parse("\"aaa\",\"b\r\nbb\",\"c,cc\"\r\nzzz,yyy,xxx\r\n");
    BOOST_TEST(!p.error);
    BOOST_TEST((fields(p) == std::vector<Fields>{{"aaa", "b\r\nbb", "c,cc"}, {"zzz", "yyy", "xxx"}}));
    BOOST_TEST(p.records[1].line == 3u);  // the quoted line break is a physical line
    BOOST_TEST(p.records[1].index == 1u);
}

// §2.7: a quote inside a quoted field is doubled.
BOOST_AUTO_TEST_CASE(doubled_quotes)
{
    const auto p = parse("\"aaa\",\"b\"\"bb\",\"ccc\"\r\n\"\"\"\",\"\"\r\n");
    BOOST_TEST((fields(p) == std::vector<Fields>{{"aaa", "b\"bb", "ccc"}, {"\"", ""}}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(excel_quirks)

BOOST_AUTO_TEST_CASE(lf_and_lone_cr_end_records)
{
    const auto p = parse("a,b\nc,d\re,f\r\ng,h");
    BOOST_TEST((fields(p) == std::vector<Fields>{{"a", "b"}, {"c", "d"}, {"e", "f"}, {"g", "h"}}));
    BOOST_TEST(p.records[3].line == 4u);
}

BOOST_AUTO_TEST_CASE(empty_fields_and_empty_lines)
{
    const auto p = parse("a,,c,\r\n\r\n,,,\r\n");
    BOOST_TEST((fields(p) == std::vector<Fields>{{"a", "", "c", ""}, {""}, {"", "", "", ""}}));
    BOOST_TEST(p.records[2].index == 2u);
    BOOST_TEST(p.records[2].line == 3u);
}

BOOST_AUTO_TEST_CASE(no_record_after_the_final_line_end)
{
    BOOST_TEST(parse("a\r\n").records.size() == 1u);
    BOOST_TEST(parse("").records.empty());
    BOOST_TEST(parse("a").records.size() == 1u);
}

BOOST_AUTO_TEST_CASE(stray_quote_in_unquoted_field_is_literal)
{
    const auto p = parse("iPhone 5\" screen,x\"y\"\n");
    BOOST_TEST(!p.error);
    BOOST_TEST((fields(p) == std::vector<Fields>{{"iPhone 5\" screen", "x\"y\""}}));
}

BOOST_AUTO_TEST_CASE(text_after_closing_quote_is_appended)
{
    const auto p = parse("\"abc\"def,g\n");
    BOOST_TEST((fields(p) == std::vector<Fields>{{"abcdef", "g"}}));
}

BOOST_AUTO_TEST_CASE(semicolon_and_tab_delimiters)
{
    BOOST_TEST((fields(parse("a;\"b;c\";2,5\n", ';')) == std::vector<Fields>{{"a", "b;c", "2,5"}}));
    BOOST_TEST((fields(parse("a\tb,c\n", '\t')) == std::vector<Fields>{{"a", "b,c"}}));
}

BOOST_AUTO_TEST_CASE(unterminated_quote_names_its_line)
{
    const auto p = parse("a,b\r\nc,\"d\r\ne\r\n");
    BOOST_TEST(p.records.size() == 1u);
    BOOST_REQUIRE(p.error);
    BOOST_TEST(static_cast<int>(p.error->kind) == static_cast<int>(CsvError::Kind::unterminated_quote));
    BOOST_TEST(p.error->record_index == 1u);
    BOOST_TEST(p.error->open_quote_line.value() == 2u);
}

// Over a limit, the record is cut, not the input: the next record is read as usual.
BOOST_AUTO_TEST_CASE(a_value_over_the_limit_cuts_its_record_only)
{
    CsvLimits l;
    l.max_field_bytes = 5;
    auto p = parse("abcde,x\nabcdefghij,y\n\"aaaaa\xC3\xA9\",z\nok,1\n", ',', l);
    BOOST_TEST(!p.error);
    BOOST_REQUIRE(p.records.size() == 4u);
    BOOST_TEST(p.records[0].overflows.empty());
    BOOST_TEST((fields(p)[1] == Fields{"", "y"}));  // the value is not kept
    BOOST_REQUIRE(p.records[1].overflows.size() == 1u);
    const auto& o = p.records[1].overflows[0];
    BOOST_TEST(static_cast<int>(o.kind) == static_cast<int>(CsvOverflow::Kind::field_too_long));
    BOOST_TEST(o.field == 0u);
    BOOST_TEST(o.prefix == "abcdef");             // the first limit + 1 bytes at most
    BOOST_TEST(p.records[2].overflows.at(0).prefix == "aaaaa");  // not half a character
    BOOST_TEST((fields(p)[3] == Fields{"ok", "1"}));
    BOOST_TEST(p.records[3].index == 3u);

    l = {};
    l.max_record_bytes = 10;
    p = parse("a,b\n0123,456789ab,c,d\nok\n", ',', l);
    BOOST_TEST(!p.error);
    BOOST_REQUIRE(p.records.size() == 3u);
    BOOST_TEST((fields(p)[1] == Fields{"0123"}));  // the fields before the cut
    BOOST_TEST(static_cast<int>(p.records[1].overflows.at(0).kind) ==
               static_cast<int>(CsvOverflow::Kind::record_too_long));
    BOOST_TEST((fields(p)[2] == Fields{"ok"}));

    l = {};
    l.max_fields = 3;
    p = parse("a,b,c\na,b,c,d\nx\n", ',', l);
    BOOST_TEST(!p.error);
    BOOST_REQUIRE(p.records.size() == 3u);
    BOOST_TEST((fields(p)[1] == Fields{"a", "b", "c"}));
    BOOST_TEST(static_cast<int>(p.records[1].overflows.at(0).kind) ==
               static_cast<int>(CsvOverflow::Kind::too_many_fields));
    BOOST_TEST((fields(p)[2] == Fields{"x"}));
}

// Over a limit across a line break inside quotes: a quote is probably never closed, and the
// end of the record cannot be trusted, so the input has an error.
BOOST_AUTO_TEST_CASE(over_a_limit_inside_quotes_across_lines_is_an_error)
{
    CsvLimits l;
    l.max_field_bytes = 5;
    auto p = parse("a,b\n\"abc\ndefgh\",z\nok,1\n", ',', l);
    BOOST_TEST(p.records.size() == 1u);
    BOOST_REQUIRE(p.error);
    BOOST_TEST(static_cast<int>(p.error->kind) == static_cast<int>(CsvError::Kind::field_too_long));
    BOOST_TEST(p.error->record_index == 1u);
    BOOST_TEST(p.error->record_line == 2u);
    BOOST_TEST(p.error->open_quote_line.value() == 2u);
    // The same value on one line is only cut.
    BOOST_TEST(!parse("a,b\n\"abcdefgh\",z\nok,1\n", ',', l).error);

    l = {};
    l.max_record_bytes = 10;
    p = parse("a,b\n\"0123456789\nxx\"\n", ',', l);
    BOOST_REQUIRE(p.error);
    BOOST_TEST(static_cast<int>(p.error->kind) == static_cast<int>(CsvError::Kind::record_too_long));
    BOOST_TEST(p.error->open_quote_line.value() == 2u);
    p = parse("a,b\n\"01\n2\",3456789\n", ',', l);  // the line break came first
    BOOST_REQUIRE(p.error);
    BOOST_TEST(static_cast<int>(p.error->kind) == static_cast<int>(CsvError::Kind::record_too_long));
}

BOOST_AUTO_TEST_CASE(delimiter_detection)
{
    BOOST_TEST(detect_csv_delimiter("a,b,c") == ',');
    BOOST_TEST(detect_csv_delimiter("a;b;c") == ';');
    BOOST_TEST(detect_csv_delimiter("a\tb\tc") == '\t');
    BOOST_TEST(detect_csv_delimiter("\"x,y,z\";b;c") == ';');  // commas inside quotes do not count
    BOOST_TEST(detect_csv_delimiter("Name, first;Name, last;Mobile;E-mail") == ';');  // 3 beat 2
    BOOST_TEST(detect_csv_delimiter("single") == ',');
    BOOST_TEST(detect_csv_delimiter("a,b;c") == ',');  // tie: ','
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(chunking)

// Every split point, and a 1-byte feed, give what one feed gives.
BOOST_AUTO_TEST_CASE(every_split_point_gives_the_same_records)
{
    const std::vector<std::string> inputs = {
        "a,b,c\r\n1,\"x\r\ny\",3\r\n\r\n4,\"\"\"q\"\"\",6\r",
        "h\rv1\r\rv2\n\"open",
        "\"a\"\"b\",c\n\"\"\n,\n",
        "x\"y,\"z\"w\r\n",
    };
    for (const auto& in : inputs) {
        const std::string whole = render(parse(in));
        BOOST_TEST(render(parse(in, ',', {}, 1)) == whole);
        for (std::size_t cut = 0; cut <= in.size(); ++cut) {
            CsvParser p;
            Parsed out;
            if (p.feed(std::string_view(in).substr(0, cut), out.records) &&
                p.feed(std::string_view(in).substr(cut), out.records)) {
                p.finish(out.records);
            }
            out.error = p.error();
            BOOST_TEST(render(out) == whole, "input " << in << " cut at " << cut);
        }
    }
}

// The same with small limits: where a value or record is cut does not depend on the chunks.
BOOST_AUTO_TEST_CASE(every_split_point_gives_the_same_cuts)
{
    CsvLimits l;
    l.max_field_bytes = 6;
    l.max_record_bytes = 24;
    l.max_fields = 4;
    const std::vector<std::string> inputs = {
        "abcdefghij,\"x\xC3\xA9\xC3\xA9\xC3\xA9y\",1\r\nok,2\r\n",
        "a,b,c,d,e,f\r\n0123456789012345678901234567,z\nq\n",
        "\"abc\"defghijk\"\",\"\"\"\"\"\"\"\"\",x\r\"a\rb\"\n",
        "\"0123456\r\n789\",x\n",
    };
    for (const auto& in : inputs) {
        const std::string whole = render(parse(in, ',', l));
        for (std::size_t cut = 0; cut <= in.size(); ++cut) {
            CsvParser p(',', l);
            Parsed out;
            if (p.feed(std::string_view(in).substr(0, cut), out.records) &&
                p.feed(std::string_view(in).substr(cut), out.records)) {
                p.finish(out.records);
            }
            out.error = p.error();
            BOOST_TEST(render(out) == whole, "input " << in << " cut at " << cut);
        }
        BOOST_TEST(render(parse(in, ',', l, 1)) == whole);
    }
}

BOOST_AUTO_TEST_CASE(crlf_split_between_chunks_is_one_line_end)
{
    CsvParser p;
    std::vector<CsvRecord> out;
    p.feed("a,b\r", out);
    p.feed("\nc,d\r", out);
    p.feed("\n", out);
    p.finish(out);
    BOOST_REQUIRE(out.size() == 2u);
    BOOST_TEST(out[1].line == 2u);
    BOOST_TEST(out[1].fields[0] == "c");
}

BOOST_AUTO_TEST_SUITE_END()
