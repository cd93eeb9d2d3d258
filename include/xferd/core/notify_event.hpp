// A notification: one JSON object telling an operator or the on-call engineer that a batch
// needs them (or is done). Pure: the caller fills the event, this renders it. Every text is
// made valid UTF-8 and capped, so an event is always well-formed JSON of bounded size
// (max_event_bytes) whatever file names or API messages it carries.
#pragma once

#include "xferd/core/utc_time.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace xferd {

enum class NotifyKind {
    waiting_for_approval,    // manual mode: confirmed, the operator must approve
    approval_refused,        // an approval file could not be honoured; the batch still waits
    batch_held,              // the batch gate held it: nothing submitted
    file_rejected,           // the file was rejected whole
    finished_with_problems,  // ran to the end with FAILED or IN_DOUBT rows
    batch_done,              // ran to the end, nothing needs a person
};
std::string_view to_string(NotifyKind kind);

struct NotifyCounts {
    std::size_t rows = 0, approved = 0, rejected = 0, invalid = 0;
    std::size_t submitted = 0, not_submitted = 0, failed = 0, in_doubt = 0, duplicate = 0;
};

// The reports that exist for the batch at the time of the event (absent ones are left out).
struct NotifyReports {
    std::optional<std::string> confirmation_html, confirmation_csv, confirmation_xlsx;
    std::optional<std::string> results_csv, log, error_file;
};

struct NotifyEvent {
    NotifyKind kind = NotifyKind::batch_done;
    std::string batch_file;   // absolute path of the input
    std::string sha256;       // its content hash (empty when not known, e.g. unreadable)
    std::string state;        // the batch's state: done, done_with_problems, held, rejected, waiting_for_approval
    NotifyCounts counts;
    NotifyReports reports;
    std::string message;      // one or two sentences for a person
    std::chrono::system_clock::time_point time = std::chrono::system_clock::now();
    std::string host;
    // waiting_for_approval: how to approve, and until when an approval is accepted.
    std::string approve_how;
    std::string approve_file;          // NAME.approve
    std::string approved_csv;          // NAME.approved.csv
    std::optional<std::chrono::system_clock::time_point> approve_until;
    // approval_refused: the approval file and why it was refused.
    std::string approval_file;
    std::string refusal_reason;
};

constexpr std::size_t max_event_text_bytes = 4096;   // message, reason, how-to
constexpr std::size_t max_event_path_bytes = 1024;   // each path, the host, the state
constexpr std::size_t max_event_bytes = 64 * 1024;   // the whole JSON text (see to_json_text)

boost::json::object to_json(const NotifyEvent& event);
std::string to_json_text(const NotifyEvent& event);  // compact, one line, no trailing newline

// Invalid UTF-8 replaced with U+FFFD, cut (on a character boundary, with "…") to `max_bytes`.
std::string clean_text(std::string_view s, std::size_t max_bytes);

}  // namespace xferd
