#include "xferd/core/policy.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace xferd {

namespace {

std::string digits_of(std::string_view s)
{
    std::string d;
    for (char c : s)
        if (std::isdigit(static_cast<unsigned char>(c))) d += c;
    // A leading NANP country code does not make it another number.
    if (d.size() == 11 && d.front() == '1') d.erase(0, 1);
    return d;
}

bool iequals(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

bool same_phone_number(std::string_view a, std::string_view b)
{
    auto da = digits_of(a);
    return !da.empty() && da == digits_of(b);
}

RowDecision decide(const RowRecord& record, const ApprovalConfig& approval)
{
    if (record.decision == Decision::invalid) return {Decision::invalid, record.reason};
    const auto& c = record.confirmation;
    if (!c.confirmed)
        return {Decision::rejected, "not confirmed by MobProc: " + (c.error.empty() ? "no answer" : c.error)};

    if (approval.check_service_active && c.service_status != "ACTIVE")
        return {Decision::rejected, "service " + record.service_id + " is " +
                                        (c.service_status.empty() ? "of unknown status" : c.service_status) +
                                        ", not ACTIVE"};

    if (approval.check_service_number && !same_phone_number(c.service_number, record.service_number))
        return {Decision::rejected, "service number mismatch: the file says " + record.service_number +
                                        " but service " + record.service_id + " is " +
                                        (c.service_number.empty() ? "(none)" : c.service_number) +
                                        "; check the service id and number in the file"};

    if (approval.check_account_holder) {
        if (!record.employee_email.empty() && !iequals(record.employee_email, c.account_holder_email))
            return {Decision::rejected, "account holder mismatch: the file names " + record.employee_email +
                                            " but the line belongs to " + c.account_holder + " <" +
                                            c.account_holder_email + ">"};
        if (!record.employee_id.empty() && !iequals(record.employee_id, c.account_holder_id) &&
            !iequals(record.employee_id, c.account_holder_tangoe_id))
            return {Decision::rejected, "account holder mismatch: the file names employee " + record.employee_id +
                                            " but the line belongs to " + c.account_holder + " (" +
                                            c.account_holder_id + ")"};
    }
    return {Decision::approved, "all checks passed"};
}

GateVerdict batch_gate(std::size_t rows, std::size_t bad, double max_reject_ratio)
{
    if (rows == 0) return {};
    double ratio = static_cast<double>(bad) / static_cast<double>(rows);
    if (ratio <= max_reject_ratio) return {};
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.0f%%", ratio * 100.0);
    return {true, std::to_string(bad) + " of " + std::to_string(rows) + " rows (" + pct +
                      ") are INVALID or REJECTED, more than approval.max_reject_ratio allows; nothing "
                      "was submitted. Check the column mapping and the file, then drop it again."};
}

GateVerdict batch_gate(const std::vector<RowRecord>& rows, double max_reject_ratio)
{
    auto bad = std::count_if(rows.begin(), rows.end(), [](const RowRecord& r) {
        return r.decision == Decision::invalid || r.decision == Decision::rejected;
    });
    return batch_gate(rows.size(), static_cast<std::size_t>(bad), max_reject_ratio);
}

}  // namespace xferd
