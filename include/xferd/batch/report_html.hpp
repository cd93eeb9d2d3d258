// The batch's HTML report: one self-contained page for a batch's whole life, rewritten at each stage
// (confirmed, waiting for approval, held, submitting, done): a banner saying where the batch is
// and what the operator must do, a summary whose counts add up, then every problem row with
// what to do about it, then the other rows (up to a cap; the CSVs hold them all).
//
// Streaming and pure: the page is appended to a sink piece by piece, so the caller feeds rows
// one at a time from its store and writes the file atomically (AtomicFileWriter):
//
//   HtmlReport page(header, [&](std::string_view s) { writer.write(s); });
//   for (row : store rows ordered by report_rank(row, header.stage), then row number) page.add(row);
//   auto end = page.finish();   // then writer.commit()
//
// Inline CSS only; no script, nothing loaded (a Content-Security-Policy forbids it). Every row
// value is escaped: they come from the dropped file and from the API.
#pragma once

#include "xferd/batch/report_rank.hpp"
#include "xferd/core/config.hpp"
#include "xferd/core/row_state.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace xferd {

struct ReportHeader {
    std::string input_name;       // "offboarding.csv", as dropped
    std::string content_sha256;   // of the input, hex
    ApprovalMode mode = ApprovalMode::automatic;
    ReportStage stage = ReportStage::confirmed;
    std::string gate_message;     // held: the gate's verdict ("12 of 20 rows rejected …")
    std::string approval_problem; // waiting: why the operator's last approval file was refused
    ReportCounts counts;          // every row of the batch, counted by row_label(row, stage, mode)

    // ISO-8601 UTC as the store keeps them; empty: not (yet) known.
    std::string received_at;        // the batch was taken
    std::string confirmed_at;       // the confirmation report was first written
    std::string finished_at;        // the last row got its final status
    std::string approval_deadline;  // manual mode: confirmed_at + approval.max_age
    std::string updated_at;         // this page was written

    // Files beside the input (report.hpp output_paths_for); empty: not written, not offered.
    std::filesystem::path approve_file;       // NAME.approve: `all` or external order numbers
    std::filesystem::path approved_csv;       // NAME.approved.csv: confirmation CSV, approve filled
    std::filesystem::path approved_xlsx;      // NAME.approved.xlsx: the same from the workbook
    std::filesystem::path confirmation_csv;
    std::filesystem::path confirmation_xlsx;
    std::filesystem::path results_csv;        // once submitting has started
    std::filesystem::path log;
    std::string workbook_problem;             // why the confirmation workbook is not there (the CSV is)

    // Rows listed on the page. Problems are all listed up to a bound only a broken batch
    // reaches; the other rows are capped so a 200,000-row batch stays a page a browser opens.
    std::size_t max_problem_rows = 10'000;
    std::size_t max_other_rows = 1'000;
};

// What finish() found: rows seen by label, how many were listed, and whether the rows fed match
// header.counts (false: the summary at the top is wrong; the page says so at the bottom).
struct HtmlReportEnd {
    ReportCounts seen;
    std::size_t listed = 0;
    bool counts_match = true;
};

class HtmlReport {
public:
    using Sink = std::function<void(std::string_view)>;

    // Writes the head, banner and summary at once.
    HtmlReport(const ReportHeader& header, Sink sink);
    HtmlReport(const HtmlReport&) = delete;
    HtmlReport& operator=(const HtmlReport&) = delete;

    // Rows in report_rank order. A row beyond the caps is counted, not listed: feed them all.
    void add(const RowRecord& row);
    HtmlReportEnd finish();

private:
    enum class Section { none, problems, others };
    void open(Section section);
    void close_section();
    std::string nothing_to_do();

    ReportHeader header_;
    Sink sink_;
    Section section_ = Section::none;
    bool problems_opened_ = false;   // the "needs your attention" section is on the page
    std::size_t problems_listed_ = 0, others_listed_ = 0;
    std::size_t skipped_in_section_ = 0;
    HtmlReportEnd end_;
    bool finished_ = false;
};

}  // namespace xferd
