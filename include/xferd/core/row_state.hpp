// What xferd knows about one row as it moves through the batch: the compact record the
// reports are written from (the full row is re-read from the file when it is needed again).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace xferd {

enum class Decision { pending, approved, rejected, invalid };
enum class RowStatus { pending, submitted, not_submitted, failed, in_doubt, duplicate };

std::string_view to_string(Decision d);   // "APPROVED", "REJECTED", "INVALID", "" for pending
std::string_view to_string(RowStatus s);  // "SUBMITTED", "NOT_SUBMITTED", "FAILED", "IN_DOUBT", "DUPLICATE", "" for pending

// The parts of an orderConfirmation a person checks before a line is handed over.
struct ConfirmationSummary {
    bool confirmed = false;               // the confirm call answered status SUCCESS
    std::string account_holder;           // "Peter Edwards"
    std::string account_holder_email;
    std::string account_holder_id;        // companyEmployeeId
    std::string account_holder_tangoe_id; // Tangoe employee id
    std::string department;               // accountHolder.department.name: "Development"
    std::string device;                   // "Apple iPhone 7 Plus (32GB) - Silver"
    std::string imei;                     // device.serialNumber.value when its type is IMEI
    std::string carrier;                  // the service's vendor when the answer names it (else from the order)
    std::string contract_end;             // service.contractDates.end, as sent ("2019-06-07T00:00:00Z")
    std::string service_number;           // as confirmed
    std::string service_status;           // ACTIVE, SUSPENDED…
    std::string error;                    // when not confirmed: what the API said
};

struct RowRecord {
    std::size_t row = 0;                  // 1-based data row
    std::string external_order_number;
    std::string service_id;
    std::string service_number;           // from the input
    std::string employee_email;           // from the input (optional)
    std::string employee_id;              // from the input (optional)
    std::string personal_email;           // from the input: where the line goes
    std::string contact_number;           // from the input
    ConfirmationSummary confirmation;
    Decision decision = Decision::pending;
    std::string reason;                   // why INVALID / REJECTED (or "all checks passed")
    RowStatus status = RowStatus::pending;
    std::string order_id;
    std::string message;                  // the final word on this row, for the results
    std::string confirmed_at;             // ISO-8601 UTC, when the confirm call was answered
    std::string submitted_at;             // ISO-8601 UTC, when the order was placed (or found)
};

}  // namespace xferd
