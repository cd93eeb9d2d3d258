// The cross-batch ledger in state_dir (design.md § Files, § Decisions "Cross-batch guard"):
// - batches by content SHA-256: a batch marked done is a duplicate when dropped again;
// - XFER_SERVICE_OUT submits by service id: a service that already has an order from xferd
//   (any earlier batch) is not submitted again; the row becomes DUPLICATE and names the order.
//
// Storage: `state_dir/ledger`, append-only, the journal's checksummed lines (journal_record.hpp
// framing), every append fdatasync'd, loaded into memory on open and re-read incrementally.
// Several processes may share it (`xferd run` and `xferd once` at the same time): every
// change takes an exclusive flock on `state_dir/ledger.lock`, reads what others appended,
// decides, appends, syncs and unlocks, so check-and-claim is atomic across processes. Lookups
// take the lock shared. A torn tail (power loss) is ignored by readers and cut off by the next
// writer; damage in the middle is an error naming the line.
//
// A service goes through: claim (before the row's `submitting` record) → order (after its
// `submitted` record) or release (after a definitive failure). An IN_DOUBT row keeps its
// claim: no other batch may transfer that service until the row is reconciled.
//
// Open it once per process and share it between batches (a second Ledger object in the same
// process works too, it just re-reads). Not thread-safe; synchronous like the journal.
#pragma once

#include "xferd/store/append_file.hpp"
#include "xferd/core/error.hpp"

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xferd {

enum class LedgerBatchState { started, done };

struct LedgerBatch {
    std::string sha256;
    std::string input;      // path it was dropped as
    LedgerBatchState state = LedgerBatchState::started;
    std::string at;         // ISO-8601 UTC of the latest state
};

// Which row of which batch submits a service.
struct ServiceOwner {
    std::string sha256;                 // batch content hash
    std::size_t row = 0;
    std::string external_order_number;
    friend bool operator==(const ServiceOwner&, const ServiceOwner&) = default;
};

struct LedgerOrder {
    std::string service_id;
    std::string order_id;
    ServiceOwner owner;
    std::string at;
};

struct ServiceClaim {
    std::string service_id;
    ServiceOwner owner;
    std::string at;
};

struct ClaimResult {
    enum class Kind {
        granted,            // go ahead: journal `submitting`, then submit
        already_ordered,    // an order covers the service: DUPLICATE (see order, message)
        claimed_elsewhere,  // another row is submitting it or is in doubt about it (see claim, message)
    };
    Kind kind = Kind::granted;
    std::optional<LedgerOrder> order;
    std::optional<ServiceClaim> claim;
    std::string message;   // for the row's results line when not granted
};

class Ledger {
public:
    static Result<Ledger> open(const std::filesystem::path& state_dir);

    // Batches. `begin_batch`: if the content was processed to the end before, returns that
    // entry (the drop is a duplicate, process nothing); otherwise records it as started (once)
    // and returns nullopt.
    Result<std::optional<LedgerBatch>> begin_batch(std::string_view sha256, std::string_view input,
                                                   std::string_view at);
    Result<void> finish_batch(std::string_view sha256, std::string_view input, std::string_view at);
    Result<std::optional<LedgerBatch>> find_batch(std::string_view sha256);

    // Services. Claiming again for the same owner is granted without a new record (resume).
    // Two rows claiming one service (even in the same batch): the second is claimed_elsewhere.
    Result<ClaimResult> claim_service(std::string_view service_id, const ServiceOwner& owner, std::string_view at);
    // Several claims under one lock and one fdatasync (for a window of rows about to be
    // submitted); results in request order.
    struct ServiceRequest {
        std::string service_id;
        ServiceOwner owner;
    };
    Result<std::vector<ClaimResult>> claim_services(std::span<const ServiceRequest> requests, std::string_view at);
    // The submit was answered with an order: it now covers the service for every later batch.
    // Recording the same order again is a no-op (resume after a crash between journal and ledger).
    Result<void> record_order(const LedgerOrder& order);
    Result<void> record_orders(std::span<const LedgerOrder> orders);   // one fdatasync
    // The owner's submit definitively did not happen (refused, or never sent): free the service.
    // Only the owner's claim is released.
    Result<void> release_service(std::string_view service_id, const ServiceOwner& owner, std::string_view at);
    Result<std::optional<LedgerOrder>> find_order(std::string_view service_id);

    // Reads what other processes appended (the lookups above do it themselves).
    Result<void> refresh();

    [[nodiscard]] const std::filesystem::path& path() const { return file_.path(); }
    [[nodiscard]] std::size_t orders() const;
    [[nodiscard]] std::size_t batches() const { return batches_.size(); }
    [[nodiscard]] std::uint64_t syncs() const { return file_.syncs(); }

private:
    struct ServiceEntry {
        std::optional<LedgerOrder> order;
        std::optional<ServiceClaim> claim;
    };
    class Lock;

    Ledger(AppendFile file, int lock_fd);
    Result<void> load_new(bool writer);            // caller holds the lock
    Result<void> apply(const boost::json::object& record);
    // Caller holds the lock exclusively and has loaded everything: one write, one fdatasync.
    Result<void> append(const std::vector<boost::json::object>& records);

    AppendFile file_;
    int lock_fd_ = -1;
    std::uint64_t loaded_bytes_ = 0;
    std::size_t loaded_lines_ = 0;
    std::map<std::string, LedgerBatch, std::less<>> batches_;
    std::map<std::string, ServiceEntry, std::less<>> services_;

public:
    Ledger(Ledger&& other) noexcept;
    Ledger& operator=(Ledger&&) = delete;
    Ledger(const Ledger&) = delete;
    ~Ledger();
};

std::string_view to_string(LedgerBatchState s);   // "started" / "done"

}  // namespace xferd
