// Realistic batches for the HTML report tests (tests only): rows as a state store would hold
// them at each stage, a header filled the way the pipeline will, and the report order.
#pragma once

#include "xferd/batch/report_html.hpp"
#include "xferd/batch/report_rank.hpp"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace xferd::test {

struct Person {
    const char* name;
    const char* department;
    const char* device;
    const char* carrier;
    const char* personal_email;
    const char* contact;
};

inline const Person people[] = {
    {"Peter Edwards", "Development", "Apple iPhone 7 Plus (32GB) - Silver", "AT Mobility",
     "peter.edwards@example.com", "2035558888"},
    {"Margaret Thompson-Whitfield", "Finance & Controlling", "Samsung Galaxy S23 Ultra (512GB) - Phantom Black",
     "Verizon Wireless", "margaret.thompson-whitfield.private@longmailprovider-example.co.uk", "+44 7700 900123"},
    {"José Álvarez", "Field Sales EMEA", "Apple iPhone 15 Pro (256GB) - Natural Titanium", "T-Mobile USA",
     "jose.alvarez@example.org", "+1 (415) 555-0199"},
    {"Wei Chen", "IT Operations", "Google Pixel 8 (128GB) - Obsidian", "AT Mobility", "wchen@example.net",
     "6505550123"},
};

// A row that passed every check, confirmed 2026-11-30 between 13:00 and 13:59.
inline RowRecord fine_row(std::size_t n)
{
    const Person& p = people[n % std::size(people)];
    RowRecord r;
    r.row = n;
    r.external_order_number = "AZ990875" + std::to_string(10 + n % 90) + "-" + std::to_string(1000 + n).substr(1);
    r.service_id = std::to_string(38382555 + n);
    r.service_number = std::to_string(2035551000 + n);
    r.personal_email = p.personal_email;
    r.contact_number = p.contact;
    auto& c = r.confirmation;
    c.confirmed = true;
    c.account_holder = p.name;
    c.account_holder_email = "employee" + std::to_string(n) + "@acme.example";
    c.account_holder_id = "E" + std::to_string(10000 + n);
    c.department = p.department;
    c.device = p.device;
    c.imei = std::to_string(356938035643000ull + n);
    c.carrier = p.carrier;
    c.contract_end = "2027-06-0" + std::to_string(1 + n % 9) + "T00:00:00Z";
    c.service_number = r.service_number;
    c.service_status = "ACTIVE";
    r.decision = Decision::approved;
    r.reason = "all checks passed";
    r.confirmed_at = "2026-11-30T13:" + std::to_string(10 + n % 50) + ":07Z";
    return r;
}

inline RowRecord submitted_row(std::size_t n)
{
    RowRecord r = fine_row(n);
    r.status = RowStatus::submitted;
    r.order_id = std::to_string(13298555 + n * 7);
    r.message = "order " + r.order_id + " placed (ORDER_SUBMITTED)";
    r.submitted_at = "2026-11-30T14:02:" + std::to_string(10 + n % 50) + "Z";
    return r;
}

// One row of each problem kind, as the pipeline leaves them, numbered from `first`.
inline std::vector<RowRecord> problem_rows(std::size_t first)
{
    std::vector<RowRecord> rows;
    RowRecord failed = fine_row(first);
    failed.status = RowStatus::failed;
    failed.message = "submit refused: HTTP 422: service 38382560 has an open order of another type";
    rows.push_back(failed);

    RowRecord confirm_failed = fine_row(first + 1);  // the API could not be asked: rejected + failed
    confirm_failed.confirmation = {};
    confirm_failed.confirmation.error = "confirm call failed: connection timed out after 3 attempts";
    confirm_failed.decision = Decision::rejected;
    confirm_failed.reason = "not confirmed by MobProc: " + confirm_failed.confirmation.error;
    confirm_failed.status = RowStatus::failed;
    confirm_failed.message = confirm_failed.confirmation.error;
    rows.push_back(confirm_failed);

    RowRecord doubt = fine_row(first + 2);
    doubt.status = RowStatus::in_doubt;
    doubt.message = "no answer within 30 s (the order may have been placed)";
    doubt.submitted_at = "2026-11-30T14:03:41Z";
    rows.push_back(doubt);

    RowRecord mismatch = fine_row(first + 3);
    mismatch.confirmation.service_number = "2035559999";
    mismatch.decision = Decision::rejected;
    mismatch.reason = "service number mismatch: the file says " + mismatch.service_number +
                      " but service " + mismatch.service_id + " is 2035559999; check the service id and number in the file";
    mismatch.status = RowStatus::not_submitted;
    mismatch.message = mismatch.reason;
    rows.push_back(mismatch);

    RowRecord suspended = fine_row(first + 4);
    suspended.confirmation.service_status = "SUSPENDED";
    suspended.decision = Decision::rejected;
    suspended.reason = "service " + suspended.service_id + " is SUSPENDED, not ACTIVE";
    rows.push_back(suspended);

    RowRecord invalid;
    invalid.row = first + 5;
    invalid.external_order_number = "AZ99087599-017";
    invalid.service_number = "20355";
    invalid.decision = Decision::invalid;
    invalid.reason = "service_id is empty; service_number must have at least 7 digits";
    rows.push_back(invalid);

    RowRecord duplicate = submitted_row(first + 6);
    duplicate.status = RowStatus::duplicate;
    duplicate.order_id = "13290001";
    duplicate.message = "service " + duplicate.service_id + " is already covered by order 13290001 (batch march.csv)";
    duplicate.submitted_at.clear();
    rows.push_back(duplicate);
    return rows;
}

inline std::vector<RowRecord> fine_rows(std::size_t n, bool submitted)
{
    std::vector<RowRecord> rows;
    for (std::size_t i = 1; i <= n; ++i) rows.push_back(submitted ? submitted_row(i) : fine_row(i));
    return rows;
}

// `placed` orders placed, then one row of every problem kind, in the store's order (reversed:
// not the report's).
inline std::vector<RowRecord> finished_batch(std::size_t placed)
{
    auto rows = fine_rows(placed, true);
    for (auto& p : problem_rows(placed + 1)) rows.push_back(p);
    std::reverse(rows.begin(), rows.end());
    return rows;
}

inline void sort_for_report(std::vector<RowRecord>& rows, ReportStage stage)
{
    std::stable_sort(rows.begin(), rows.end(), [stage](const RowRecord& a, const RowRecord& b) {
        int ra = report_rank(a, stage), rb = report_rank(b, stage);
        return ra != rb ? ra < rb : a.row < b.row;
    });
}

// A header filled as the pipeline would for `rows` (counted the same way) in /srv/xferd/inbox.
inline ReportHeader header_for(const std::vector<RowRecord>& rows, ReportStage stage, ApprovalMode mode,
                               const std::string& input = "offboarding-2026-11.csv")
{
    const std::filesystem::path dir = "/srv/xferd/inbox/hr";
    const std::string stem = std::filesystem::path(input).stem().string();
    ReportHeader h;
    h.input_name = input;
    h.content_sha256 = "9f2c4e1b7a3d5f60812e4c9b0a7d3e5f1c2b4a6d8e0f1a3c5b7d9e1f2a4c6b8d";
    h.mode = mode;
    h.stage = stage;
    for (const auto& r : rows) h.counts.add(row_label(r, stage, mode));
    h.received_at = "2026-11-30T13:09:58Z";
    h.confirmed_at = "2026-11-30T13:12:18Z";
    if (stage == ReportStage::done || stage == ReportStage::in_doubt) h.finished_at = "2026-11-30T14:05:02Z";
    if (mode == ApprovalMode::manual) h.approval_deadline = "2026-12-01T13:12:18Z";
    h.updated_at = stage == ReportStage::waiting_for_approval ? h.confirmed_at : "2026-11-30T14:05:02Z";
    h.approve_file = dir / (stem + ".approve");
    h.approved_csv = dir / (stem + ".approved.csv");
    h.approved_xlsx = dir / (stem + ".approved.xlsx");
    h.confirmation_csv = dir / (stem + ".confirmation.csv");
    h.confirmation_xlsx = dir / (stem + ".confirmation.xlsx");
    if (stage == ReportStage::done || stage == ReportStage::in_doubt || stage == ReportStage::submitting)
        h.results_csv = dir / (stem + ".results.csv");
    h.log = dir / (stem + ".log");
    return h;
}

}  // namespace xferd::test
