// Settling submits whose outcome is unknown (docs/architecture.md § Exactly-once submission;
// docs/mobproc-api.md § Lookups). Pure: the caller does the GETs and feeds the answers.
//
// MobProc has no lookup by externalOrderNumber, so: page
//   GET /orders?dateTimeUpdatedOnOrAfter=<earliest intent − margin>&limit=N&offset=K
// and match client-side. An order is ours when its externalOrderNumber equals the row's AND,
// where the order carries them, its serviceId / serviceNumber agree with the row and its
// transactionType is XFER_SERVICE_OUT.
//
// Verdict per row:
//   found(order id)    a matching order exists → SUBMITTED with that order id;
//   absent             every page was read, twice (options.absent_scans), without the list
//                      shrinking meanwhile, and nothing matched → safe to submit again;
//   impossible(reason) a page was unreadable, the lookup failed, too many pages, or an order
//                      carries the row's external order number for a different service →
//                      stays IN_DOUBT; the reason says what to check;
//   keep paging        not decided yet: GET next_target() and feed the answer.
// The API documents no sort order. Pages overlap by a few items, so an order that moves by a
// position or two between two GETs is not skipped; a list that shrinks starts the read over
// (at most twice); absence needs two whole reads, so an order moving onto an already-read page
// during one read (an API sorting by `updated`) is still seen. Found ends the work at once.
// Reconcile before submitting new rows: the batch's own submits make the list move.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xferd {

// ---- time and query ---------------------------------------------------------------------------

// ISO-8601 date-time: "2026-11-30T13:00:00Z", "…13:00:00.123Z", "…13:00:00+00:00", "…+0200".
// nullopt when it is not one (or has no zone: a local time cannot be compared).
std::optional<std::chrono::sys_seconds> parse_iso8601(std::string_view text);
// "2026-11-30T12:55:00Z"
std::string format_iso8601(std::chrono::sys_seconds t);

// Percent-encodes everything but RFC 3986 unreserved characters ('+' → %2B, ':' → %3A).
std::string query_encode(std::string_view text);

// "/orders?dateTimeUpdatedOnOrAfter=2026-11-30T12%3A55%3A00Z&limit=100&offset=0", relative to
// the API base URL (MobprocClient::get).
std::string orders_query_target(std::chrono::sys_seconds since, std::size_t limit, std::size_t offset);

// ---- pages --------------------------------------------------------------------------------------

// What reconciliation needs of one order in a GET /orders page.
struct OrderSummary {
    std::string order_id;
    std::string external_order_number;
    std::string service_id;        // when the order carries it
    std::string service_number;    // when the order carries it
    std::string transaction_type;  // when the order carries it
};

struct OrdersPage {
    std::optional<std::size_t> total_count;
    std::optional<std::size_t> offset;
    std::optional<std::size_t> limit;
    bool has_href_next = false;
    std::vector<OrderSummary> items;
};

// The docs/mobproc-api.md § Gap decisions envelope {"orders":{"_meta":{totalCount,offset,limit,hrefNext?…},"items":[order…]}}.
// Missing _meta fields are tolerated; a body that is not this shape → nullopt, `error` says why.
std::optional<OrdersPage> parse_orders_page(std::string_view body, std::string& error);

// ---- matching -----------------------------------------------------------------------------------

// The row a submit is in doubt about.
struct ReconcileTarget {
    std::string external_order_number;
    std::string service_id;
    std::string service_number;            // from the input
    std::string confirmed_service_number;  // from the confirmation (may differ in format)
    std::string intent_at;                 // the first `submitting` record's time (ISO-8601)
};

enum class OrderMatch {
    no,         // another order
    yes,        // this row's order
    conflict,   // same external order number, but another service or transaction type
};
OrderMatch match_order(const OrderSummary& order, const ReconcileTarget& target);

// ---- the state machine --------------------------------------------------------------------------

struct ReconcileOptions {
    std::chrono::seconds margin{15 * 60};   // clock skew between xferd and MobProc, and slack
    std::size_t page_size = 100;
    std::size_t max_pages = 200;            // beyond this, give up: IN_DOUBT, ask a person
    std::size_t overlap = 2;                // items re-read at each page boundary
    unsigned max_restarts = 2;              // scans started over because the total shrank
    unsigned absent_scans = 2;              // whole reads that must miss an order to call it absent
};

struct ReconcileAnswer {
    enum class Kind { keep_paging, found, absent, impossible };
    Kind kind = Kind::keep_paging;
    std::string order_id;      // found
    std::string next_target;   // keep_paging: what to GET
    std::string reason;        // impossible: for the results; found: how it was found
};

std::string_view to_string(ReconcileAnswer::Kind k);   // "keep paging", "found", "absent", "impossible"

class Reconciler {
public:
    // One scan settles every target: it pages from the earliest intent time minus the margin.
    explicit Reconciler(std::vector<ReconcileTarget> targets, ReconcileOptions options = {});

    // What to GET next; empty once the scan is over.
    [[nodiscard]] const std::string& next_target() const { return next_target_; }
    [[nodiscard]] bool finished() const { return next_target_.empty(); }

    // The body of a 2xx answer to next_target().
    void feed_page(std::string_view body);
    // next_target() could not be fetched (after the client's retries): why, for the results.
    void feed_failure(std::string_view reason);

    // The verdict for a row (by its external order number; the first target if several share it).
    [[nodiscard]] ReconcileAnswer answer(std::string_view external_order_number) const;
    [[nodiscard]] ReconcileAnswer answer_at(std::size_t index) const;
    [[nodiscard]] std::size_t size() const { return targets_.size(); }
    [[nodiscard]] std::size_t pages_read() const { return pages_read_; }

private:
    struct Verdict {
        std::optional<std::string> order_id;
        std::vector<std::string> also;        // further matching orders (a double submit seen)
        std::optional<std::string> conflict;  // an order with our number for another service
        std::optional<std::string> impossible;
    };
    void stop_all(const std::string& reason);
    void note_matches(const OrderSummary& item);  // a match is a fact whatever else happens
    void request(std::size_t offset);
    [[nodiscard]] bool all_found() const;

    std::vector<ReconcileTarget> targets_;
    std::vector<Verdict> verdicts_;
    ReconcileOptions options_;
    std::optional<std::chrono::sys_seconds> since_;
    std::string next_target_;
    std::size_t offset_ = 0;                  // offset of the page asked for
    std::optional<std::size_t> total_;        // totalCount seen on this scan's pages
    std::size_t pages_read_ = 0;
    unsigned restarts_ = 0;
    unsigned scans_ = 0;                      // whole reads finished
    bool scan_complete_ = false;              // every page read without a change in size
};

}  // namespace xferd
