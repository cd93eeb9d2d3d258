// Whole reports from rows, for tests: exactly what the batch driver streams (header + lines).
#pragma once

#include "xferd/batch/report.hpp"
#include "xferd/batch/report_html.hpp"

#include <string>
#include <vector>

namespace xferd {

inline std::string render_confirmation_csv(const std::vector<RowRecord>& rows)
{
    std::string out = confirmation_csv_header();
    for (const auto& r : rows) out += confirmation_csv_line(r);
    return out;
}

inline std::string render_results_csv(const std::vector<RowRecord>& rows)
{
    std::string out = results_csv_header();
    for (const auto& r : rows) out += results_csv_line(r);
    return out;
}

// The HTML page in one string: rows must already be in report_rank order.
inline std::string render_report_html(const ReportHeader& header, const std::vector<RowRecord>& rows)
{
    std::string out;
    HtmlReport page(header, [&out](std::string_view s) { out += s; });
    for (const auto& r : rows) page.add(r);
    page.finish();
    return out;
}

}  // namespace xferd
