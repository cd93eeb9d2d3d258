// The pieces HtmlReport (report_html.hpp) assembles, each pure and returning HTML. Separate so
// each can be tested on its own; the caller of the report needs only report_html.hpp.
#pragma once

#include "xferd/batch/report_html.hpp"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace xferd::report_html {

// Text formatting --------------------------------------------------------------------------
// A row value is shown up to this many bytes: a field may hold 64 KiB, which nobody reads on
// a page and which, times 10,000 problem rows, no browser opens.
inline constexpr std::size_t longest_value = 200;
inline constexpr std::size_t longest_message = 600;   // reasons and API messages
// Escaped, cut at `limit` bytes (on a character boundary) with a note of how much is left out.
std::string clipped(std::string_view value, std::size_t limit);
// A number or identifier that must never break across lines (service number, IMEI, order id).
// Beyond 28 characters it is no number a person reads (a hostile value): it may wrap then,
// rather than push the page sideways.
std::string number(std::string_view value);
// An e-mail address that may break only before the @ and after a dot (a long address must fit
// a phone-wide column), never in the middle of a word unless nothing else fits.
std::string email(std::string_view value);
// "2026-11-30T13:12:18Z" → "2026-11-30 13:12 UTC"; anything else as given. Text, not HTML.
std::string readable_time(std::string_view iso);
// readable_time as HTML: the date and the time each kept on one line (a narrow column may put
// the time below the date).
std::string timestamp(std::string_view iso);
// "2019-06-07T00:00:00Z" → "2019-06-07"; anything else as given. Text, not HTML.
std::string readable_date(std::string_view iso);
// 200000 → "200,000".
std::string thousands(std::size_t n);
// A link target for a file beside the report: "./" + its percent-encoded name, so no name can
// become a scheme ("javascript:…") or a fragment.
std::string file_href(const std::filesystem::path& file);
// SHA-256 hex that may break only between groups of 16.
std::string hash(std::string_view hex);

// Page parts --------------------------------------------------------------------------------
std::string_view style();                         // the inline CSS
std::string banner(const ReportHeader& header);   // where the batch is, what to do now
std::string summary(const ReportHeader& header);  // counts by label, adding up to the rows
std::string facts(const ReportHeader& header);    // times, mode, hash, the other files
std::string row(const RowRecord& row, RowLabel label, const ReportHeader& header);
std::string table_head();                         // <table>…<tbody>, the columns row() fills

}  // namespace xferd::report_html
