// The HTML report, streamed: head and summary first (from the header's counts), then rows as
// the caller hands them over, problems first, each written to the sink as soon as it comes.
#include "xferd/batch/report_html.hpp"

#include "xferd/batch/report.hpp"
#include "xferd/batch/report_html_parts.hpp"

#include <utility>

namespace xferd {

namespace rh = report_html;

namespace {

std::string stage_title(const ReportHeader& h)
{
    switch (h.stage) {
    case ReportStage::confirmed: return "Checked";
    case ReportStage::waiting_for_approval: return "Waiting for approval";
    case ReportStage::held: return "Held";
    case ReportStage::submitting: return "Submitting";
    case ReportStage::in_doubt: return "Orders in doubt";
    case ReportStage::done: return h.mode == ApprovalMode::dry_run ? "Dry run" : "Done";
    }
    return "";
}

std::string head(const ReportHeader& h)
{
    std::string name = html_escape(h.input_name);
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    // Nothing may load or run: the page holds personal data and is opened from a file share.
    out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
           "base-uri 'none'; form-action 'none'\">\n";
    out += "<meta name=\"referrer\" content=\"no-referrer\">\n";
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out += "<title>" + name + ": " + stage_title(h) + "</title>\n<style>" + std::string(rh::style()) +
           "</style>\n</head>\n<body>\n<div class=\"page\">\n";
    out += "<header class=\"top\"><p class=\"kicker\">xferd &middot; mobile lines handed over to leavers</p>\n";
    out += "<h1>" + name + "</h1>\n";
    out += "<p class=\"stage\"><span class=\"pill " + std::string(to_string(h.stage)) + "\">" + stage_title(h) +
           "</span>";
    if (!h.updated_at.empty()) out += " <span class=\"sub\">page written " + rh::timestamp(h.updated_at) + "</span>";
    out += "</p></header>\n";
    return out;
}

// Where every row is, whatever this page lists: the results once submitting began.
std::string full_list(const ReportHeader& h)
{
    bool results = !h.results_csv.empty() &&
                   (h.stage == ReportStage::submitting || h.stage == ReportStage::in_doubt || h.stage == ReportStage::done);
    const auto& file = results ? h.results_csv : !h.confirmation_xlsx.empty() ? h.confirmation_xlsx : h.confirmation_csv;
    if (file.empty()) return "the CSV reports beside this page";
    return "<a href=\"" + rh::file_href(file) + "\">" + html_escape(file.filename().string()) + "</a>";
}

std::size_t others_in(const ReportCounts& c) { return c.total() - c.problems(); }

}  // namespace

HtmlReport::HtmlReport(const ReportHeader& header, Sink sink) : header_(header), sink_(std::move(sink))
{
    sink_(head(header_) + rh::banner(header_) + rh::summary(header_) + rh::facts(header_));
}

std::string HtmlReport::nothing_to_do()
{
    problems_opened_ = true;
    return "<section class=\"list problems\"><h2>Needs your attention <span class=\"count\">(0)</span></h2>\n"
           "<p class=\"none-needed\">Nothing needs your attention.</p>\n</section>\n";
}

void HtmlReport::open(Section section)
{
    if (section == Section::others && !problems_opened_) sink_(nothing_to_do());
    close_section();
    section_ = section;
    const bool problems = section == Section::problems;
    problems_opened_ = problems_opened_ || problems;
    const std::size_t rows = problems ? header_.counts.problems() : others_in(header_.counts);
    const std::size_t cap = problems ? header_.max_problem_rows : header_.max_other_rows;
    std::string out = std::string("<section class=\"list ") + (problems ? "problems" : "others") + "\"><h2>" +
                      (problems ? "Needs your attention" : header_.counts.problems() == 0 ? "All rows" : "Everything else") +
                      " <span class=\"count\">(" + rh::thousands(rows) + ")</span></h2>\n";
    if (rows > cap)
        out += "<p class=\"capped\">The first " + rh::thousands(cap) + " of " + rh::thousands(rows) +
               " are listed here; every row is in " + full_list(header_) + ".</p>\n";
    sink_(out + rh::table_head());
}

void HtmlReport::close_section()
{
    if (section_ == Section::none) return;
    std::string out = "</tbody>\n</table>\n";
    if (skipped_in_section_ != 0)
        out += "<p class=\"capped\">" + rh::thousands(skipped_in_section_) + " more" +
               (skipped_in_section_ == 1 ? " row is" : " rows are") + " not listed here; every row is in " +
               full_list(header_) + ".</p>\n";
    sink_(out + "</section>\n");
    section_ = Section::none;
    skipped_in_section_ = 0;
}

void HtmlReport::add(const RowRecord& row)
{
    if (finished_) return;
    RowLabel label = row_label(row, header_.stage, header_.mode);
    end_.seen.add(label);
    const bool problem = is_problem(label);
    // A problem handed over after the other rows (not in report_rank order) is still listed,
    // in the table that is open: a problem is never dropped for coming late.
    if (problem && section_ == Section::none) open(Section::problems);
    if (!problem && section_ != Section::others) open(Section::others);
    std::size_t& listed = problem ? problems_listed_ : others_listed_;
    if (listed >= (problem ? header_.max_problem_rows : header_.max_other_rows)) {
        ++skipped_in_section_;
        return;
    }
    ++listed;
    sink_(rh::row(row, label, header_));
}

HtmlReportEnd HtmlReport::finish()
{
    if (finished_) return end_;
    if (!problems_opened_) sink_(nothing_to_do());
    close_section();
    finished_ = true;
    end_.listed = problems_listed_ + others_listed_;
    end_.counts_match = end_.seen == header_.counts;
    std::string out;
    if (!end_.counts_match)
        out += "<p class=\"inconsistent\" role=\"alert\">This page is inconsistent: its summary counts " +
               rh::thousands(header_.counts.total()) + " rows, but " + rh::thousands(end_.seen.total()) +
               " were handed to it. Trust " + full_list(header_) + " and the log.</p>\n";
    out += "<footer><p>Written by xferd";
    if (!header_.updated_at.empty()) out += " at " + html_escape(rh::readable_time(header_.updated_at));
    out += ". This page holds personal data: keep it within the team.</p></footer>\n</div>\n</body>\n</html>\n";
    sink_(out);
    return end_;
}

}  // namespace xferd
