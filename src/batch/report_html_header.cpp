// The top of the HTML report: a banner saying where the batch is and exactly what to do now
// (in manual mode: which file to drop, with its exact name), the counts, and the facts.
#include "xferd/batch/report.hpp"
#include "xferd/batch/report_html_parts.hpp"

#include <utility>
#include <vector>

namespace xferd::report_html {

namespace {

std::string file_name(const std::filesystem::path& p) { return html_escape(p.filename().string()); }
std::string code(const std::string& html) { return "<code class=\"file\">" + html + "</code>"; }
std::string count(std::size_t n) { return "<span class=\"num\">" + thousands(n) + "</span>"; }
std::string rows_word(std::size_t n) { return n == 1 ? " row" : " rows"; }
std::string need(std::size_t n) { return n == 1 ? " needs" : " need"; }

// Escaped, with a full stop when the text has none (messages from policy end either way).
std::string sentence(std::string_view text)
{
    std::string out = clipped(text, longest_message);
    if (!text.empty() && text.size() <= longest_message && text.back() != '.') out += '.';
    return out;
}

std::string box(std::string_view kind, const std::string& title, const std::string& body)
{
    return "<section class=\"banner " + std::string(kind) + "\" role=\"status\"><h2>" + title + "</h2>\n" +
           body + "</section>\n";
}

// The steps of a manual approval, with the exact file names to drop.
std::string approval_steps(const ReportHeader& h)
{
    std::string input = html_escape(h.input_name);
    std::string out = "<ol class=\"steps\">\n<li>Check the rows below: the ones that need attention first, "
                      "then the ELIGIBLE ones.</li>\n";
    if (!h.approve_file.empty()) {
        std::string approve = code(file_name(h.approve_file));
        out += "<li>To submit <strong>every</strong> ELIGIBLE row: in the folder of " + code(input) +
               ", create a text file named " + approve + " that holds the one word <code>all</code>.</li>\n";
        out += "<li>To submit <strong>only some</strong> rows: write their external order numbers in " + approve +
               " instead, one a line.</li>\n";
    }
    std::vector<std::pair<std::filesystem::path, std::filesystem::path>> sheets;
    if (!h.confirmation_xlsx.empty() && !h.approved_xlsx.empty()) sheets.emplace_back(h.confirmation_xlsx, h.approved_xlsx);
    if (!h.confirmation_csv.empty() && !h.approved_csv.empty()) sheets.emplace_back(h.confirmation_csv, h.approved_csv);
    for (std::size_t i = 0; i < sheets.size(); ++i) {
        out += std::string("<li>") + (h.approve_file.empty() && i == 0 ? "" : "Or: ") + "open " +
               code(file_name(sheets[i].first)) + ", write <code>yes</code> in the <code>approve</code> column of "
               "each row to submit, and save it in the same folder as " + code(file_name(sheets[i].second)) +
               ".</li>\n";
    }
    out += "<li>xferd then submits the approved ELIGIBLE rows and updates this page with their orders.</li>\n</ol>\n";
    return out;
}

std::string waiting_banner(const ReportHeader& h)
{
    const auto& c = h.counts;
    std::string title = "Waiting for your approval";
    if (!h.approval_deadline.empty()) title += " until " + timestamp(h.approval_deadline);
    title += ": here is how";
    std::string body = "<p>Nothing has been submitted yet. " + count(c[RowLabel::eligible]) +
                       rows_word(c[RowLabel::eligible]) + " passed every check (ELIGIBLE)";
    if (c.problems() != 0)
        body += "; " + count(c.problems()) + rows_word(c.problems()) + need(c.problems()) +
                " attention and cannot be submitted";
    body += ".</p>\n";
    if (!h.approval_problem.empty())
        body += "<p class=\"refused\"><strong>Your last approval was not accepted.</strong> " +
                sentence(h.approval_problem) + " Correct it and save it again.</p>\n";
    body += approval_steps(h);
    if (!h.approval_deadline.empty())
        body += "<p>Only ELIGIBLE rows can be submitted. After " + timestamp(h.approval_deadline) +
                " an approval is refused: then drop the batch file again (or touch it) to have it confirmed "
                "anew.</p>\n";
    return box("waiting", title, body);
}

std::string done_banner(const ReportHeader& h)
{
    const auto& c = h.counts;
    std::string placed = "<p>" + count(c[RowLabel::submitted]) + (c[RowLabel::submitted] == 1 ? " order" : " orders") +
                         " placed";
    if (h.mode == ApprovalMode::dry_run)
        return box("neutral", "Dry run: checked only, nothing submitted",
                   "<p>Every row was checked against MobProc; no order was placed. The same file in an inbox "
                   "that submits places the ELIGIBLE rows.</p>\n");
    const std::size_t left_out = c[RowLabel::not_submitted];
    if (c.problems() == 0 && left_out == 0) return box("good", "Done: every order placed", placed + ".</p>\n");
    if (c.problems() == 0)
        return box("neutral", "Done: " + count(c[RowLabel::submitted]) + " placed, " + count(left_out) +
                                  rows_word(left_out) + " left out",
                   placed + ". The rows marked NOT SUBMITTED passed every check but were not approved; to "
                            "place them, put them in a new batch file.</p>\n");
    return box("attention", "Done: " + count(c.problems()) + rows_word(c.problems()) + need(c.problems()) + " your attention",
               placed + "; see below for the rows that were not, and what to do.</p>\n");
}

}  // namespace

std::string banner(const ReportHeader& h)
{
    const auto& c = h.counts;
    switch (h.stage) {
    case ReportStage::waiting_for_approval: return waiting_banner(h);
    case ReportStage::held:
        return box("held", "Held: nothing was submitted",
                   "<p>" + sentence(h.gate_message.empty() ? "Too many rows are REJECTED or INVALID" : h.gate_message) +
                       "</p>\n<p>The rows that need attention are listed first below.</p>\n");
    case ReportStage::confirmed:
        return box("neutral", "Checked: submitting now",
                   "<p>Every row was checked. xferd is placing the orders for the " +
                       std::string(h.mode == ApprovalMode::automatic ? "APPROVED" : "approved ELIGIBLE") +
                       " rows; this page is updated when it is done.</p>\n");
    case ReportStage::submitting:
        return box("neutral", "Submitting: " + count(c[RowLabel::submitted]) + " placed so far",
                   "<p>This page is updated when every order is placed.</p>\n");
    case ReportStage::in_doubt:
        return box("attention", count(c[RowLabel::in_doubt]) + rows_word(c[RowLabel::in_doubt]) + " in doubt",
                   "<p>These orders were sent but no answer came back, so they may exist. xferd looks them up "
                   "again on its next run and updates this page: do not place them again by hand.</p>\n");
    case ReportStage::done: return done_banner(h);
    }
    return "";
}

std::string summary(const ReportHeader& h)
{
    const auto& c = h.counts;
    // The label a stage is about is shown even at 0 ("0 SUBMITTED" after a failed run says a lot).
    RowLabel focus = h.stage == ReportStage::waiting_for_approval || h.stage == ReportStage::held ||
                            h.mode == ApprovalMode::dry_run
                        ? RowLabel::eligible
                    : h.stage == ReportStage::confirmed && h.mode == ApprovalMode::automatic ? RowLabel::approved
                                                                                          : RowLabel::submitted;
    static constexpr RowLabel order[] = {RowLabel::submitted, RowLabel::approved,  RowLabel::eligible,
                                         RowLabel::not_submitted, RowLabel::failed, RowLabel::in_doubt,
                                         RowLabel::rejected,  RowLabel::invalid,   RowLabel::duplicate,
                                         RowLabel::not_checked};
    std::string tiles, sum;
    for (RowLabel l : order) {
        if (c[l] == 0 && l != focus) continue;
        std::string name(to_string(l));
        std::string cls = is_problem(l) ? "tile problem" : l == RowLabel::submitted && c[l] != 0 ? "tile good" : "tile";
        tiles += "<li class=\"" + cls + "\"><div class=\"n\">" + count(c[l]) + "</div><div class=\"l\">" + name +
                 "</div></li>\n";
        if (c[l] == 0) continue;
        if (!sum.empty()) sum += " + ";
        sum += count(c[l]) + " " + name;
    }
    if (sum.empty()) sum = count(0);
    return "<section class=\"summary\" aria-label=\"Summary\">\n<ul class=\"tiles\">\n" + tiles + "</ul>\n" +
           "<p class=\"sum\">" + sum + " = <strong>" + count(c.total()) + rows_word(c.total()) +
           "</strong> in the file</p>\n</section>\n";
}

std::string facts(const ReportHeader& h)
{
    std::string out = "<dl class=\"facts\">\n";
    auto fact = [&](std::string_view term, const std::string& html, bool wide = false) {
        if (html.empty()) return;
        out += std::string(wide ? "<div class=\"wide\">" : "<div>") + "<dt>" + std::string(term) + "</dt><dd>" + html +
               "</dd></div>\n";
    };
    auto when = [](const std::string& iso) { return iso.empty() ? std::string() : timestamp(iso); };
    fact("Approval", h.mode == ApprovalMode::manual  ? "manual: you approve before anything is submitted"
                     : h.mode == ApprovalMode::dry_run ? "dry run: checked only, never submitted"
                                                       : "automatic: every ELIGIBLE row is submitted");
    fact("Received", when(h.received_at));
    fact("Confirmed", when(h.confirmed_at));
    if (h.stage == ReportStage::waiting_for_approval) fact("Approve by", when(h.approval_deadline));
    fact("Finished", when(h.finished_at));
    fact("File", "<span class=\"name\">" + html_escape(h.input_name) + "</span>");
    if (!h.content_sha256.empty()) fact("SHA-256", hash(h.content_sha256), true);
    std::string links;
    for (const auto& [what, path] : {std::pair<std::string_view, const std::filesystem::path&>{"results", h.results_csv},
                                     {"confirmation", h.confirmation_xlsx},
                                     {"confirmation", h.confirmation_csv},
                                     {"log", h.log}}) {
        if (path.empty()) continue;
        links += "<li><a href=\"" + file_href(path) + "\" title=\"" + html_escape(path.string()) + "\">" +
                 file_name(path) + "</a> <span class=\"sub\">" + std::string(what) + "</span></li>";
    }
    if (!links.empty()) fact("Other files", "<ul class=\"files\">" + links + "</ul>", true);
    if (!h.workbook_problem.empty() && !h.confirmation_csv.empty())
        fact("Workbook", "not written (" + html_escape(h.workbook_problem) + "); use " +
                             code(file_name(h.confirmation_csv)) + ", which holds the same rows",
             true);
    std::filesystem::path any = !h.results_csv.empty() ? h.results_csv : !h.confirmation_csv.empty() ? h.confirmation_csv : h.log;
    if (any.has_parent_path()) fact("Folder", "<span class=\"name\">" + html_escape(any.parent_path().string()) + "</span>");
    return out + "</dl>\n";
}

}  // namespace xferd::report_html
