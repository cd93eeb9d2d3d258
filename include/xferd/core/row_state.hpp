// What xferd knows about one row as it moves through the batch: the record the state store keeps
// and the reports are written from (the full row is re-read from the batch's snapshot when a
// request body is needed again).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace xferd {

// How far a row's confirmation got.
enum class ConfirmState {
    pending,    // not asked yet (or asked again at the next run)
    confirmed,  // the API answered SUCCESS
    refused,    // the API answered about the row (service not found, not active…): a decision
    failed,     // the API could not be asked (errors, timeouts): FAILED, retried at the next run
};

// The operator's word on an eligible row (manual mode).
enum class OperatorVerdict { none, approved, not_approved };

enum class Decision { pending, approved, rejected, invalid };
// submitting: the intent is durable and the request may be out; no answer recorded yet (after a
// crash such a row is looked up before anything else, like an IN_DOUBT one).
enum class RowStatus { pending, submitting, submitted, not_submitted, failed, in_doubt, duplicate };

std::string_view to_string(Decision d);   // "APPROVED", "REJECTED", "INVALID", "" for pending
std::string_view to_string(RowStatus s);  // "SUBMITTED", "NOT_SUBMITTED", "FAILED", "IN_DOUBT", "DUPLICATE", "SUBMITTING", "" for pending

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
    ConfirmState confirm_state = ConfirmState::pending;
    OperatorVerdict operator_verdict = OperatorVerdict::none;
    bool retry = false;                   // FAILED for a transient reason: asked again at the next run
    std::string intent_at;                // ISO-8601 UTC of the submit's durable intent
    std::string confirmed_at;             // ISO-8601 UTC, when the confirm call was answered
    std::string submitted_at;             // ISO-8601 UTC, when the order was placed (or found)
};

}  // namespace xferd
