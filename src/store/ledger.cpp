#include "xferd/store/ledger.hpp"

#include "xferd/core/journal_record.hpp"

#include <boost/json/object.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace xferd {

namespace json = boost::json;
namespace fs = std::filesystem;

std::string_view to_string(LedgerBatchState s) { return s == LedgerBatchState::done ? "done" : "started"; }

namespace {

std::string str(const json::object& o, std::string_view key)
{
    if (auto* v = o.if_contains(key))
        if (auto* s = v->if_string()) return std::string(*s);
    return {};
}

std::size_t row_of(const json::object& o)
{
    if (auto* v = o.if_contains("row")) {
        if (v->is_uint64()) return static_cast<std::size_t>(v->as_uint64());
        if (v->is_int64() && v->as_int64() > 0) return static_cast<std::size_t>(v->as_int64());
    }
    return 0;
}

ServiceOwner owner_of(const json::object& o) { return {str(o, "sha256"), row_of(o), str(o, "eon")}; }

json::object service_record(std::string_view type, std::string_view service_id, const ServiceOwner& owner,
                            std::string_view at)
{
    json::object o;
    o["t"] = type;
    o["sid"] = service_id;
    o["sha256"] = owner.sha256;
    o["row"] = static_cast<std::uint64_t>(owner.row);
    o["eon"] = owner.external_order_number;
    o["at"] = at;
    return o;
}

// "batch 9f86d0818847 row 3" (the hash cut to 12 digits, like git's short ids).
std::string where(const ServiceOwner& owner)
{
    return "batch " + owner.sha256.substr(0, 12) + " row " + std::to_string(owner.row);
}

}  // namespace

// Holds the ledger's flock for one operation. Blocks: the holder only appends and syncs.
class Ledger::Lock {
public:
    Lock(int fd, int mode) : fd_(fd)
    {
        int rc;
        while ((rc = ::flock(fd_, mode)) != 0 && errno == EINTR) {
        }
        if (rc != 0) error_ = std::string("cannot lock the ledger: ") + std::strerror(errno);
    }
    ~Lock()
    {
        if (error_.empty()) ::flock(fd_, LOCK_UN);
    }
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;
    [[nodiscard]] const std::string& error() const { return error_; }

private:
    int fd_;
    std::string error_;
};

Ledger::Ledger(AppendFile file, int lock_fd) : file_(std::move(file)), lock_fd_(lock_fd) {}

Ledger::Ledger(Ledger&& other) noexcept
    : file_(std::move(other.file_)),
      lock_fd_(std::exchange(other.lock_fd_, -1)),
      loaded_bytes_(other.loaded_bytes_),
      loaded_lines_(other.loaded_lines_),
      batches_(std::move(other.batches_)),
      services_(std::move(other.services_))
{
}

Ledger::~Ledger()
{
    if (lock_fd_ >= 0) ::close(lock_fd_);
}

Result<Ledger> Ledger::open(const fs::path& state_dir)
{
    std::error_code ec;
    fs::create_directories(state_dir, ec);
    if (ec) return make_error("cannot create state_dir " + state_dir.string() + ": " + ec.message());
    const fs::path lock_path = state_dir / "ledger.lock";
    int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (lock_fd < 0) return make_error("cannot open " + lock_path.string() + ": " + std::strerror(errno));
    auto file = AppendFile::open(state_dir / "ledger");
    if (!file) {
        ::close(lock_fd);
        return make_error("ledger: " + file.error().message);
    }
    Ledger ledger(std::move(*file), lock_fd);
    if (auto r = ledger.refresh(); !r) return r.error();
    return ledger;
}

std::size_t Ledger::orders() const
{
    std::size_t n = 0;
    for (const auto& [sid, e] : services_) n += e.order.has_value();
    return n;
}

Result<void> Ledger::refresh()
{
    Lock lock(lock_fd_, LOCK_SH);
    if (!lock.error().empty()) return make_error(lock.error());
    return load_new(false);
}

Result<void> Ledger::load_new(bool writer)
{
    LineDecoder decoder(loaded_bytes_, loaded_lines_);
    auto torn = file_.read_from(decoder, [this](std::size_t, json::object&& o) { return apply(o); });
    if (!torn)
        return make_error("ledger " + torn.error().message +
                          ". No order is submitted until it is repaired (check the disk, then move the "
                          "damaged line out after reading it)");
    loaded_bytes_ = decoder.good_bytes();
    loaded_lines_ = decoder.good_lines();
    // A torn tail was never durable, so nobody acted on it; the next writer cuts it off.
    if (*torn && writer) return file_.truncate(loaded_bytes_);
    return {};
}

Result<void> Ledger::apply(const json::object& o)
{
    const std::string t = str(o, "t");
    if (t == "batch") {
        LedgerBatch b{str(o, "sha256"), str(o, "input"),
                      str(o, "state") == "done" ? LedgerBatchState::done : LedgerBatchState::started, str(o, "at")};
        if (b.sha256.empty()) return make_error("batch record without sha256");
        auto& slot = batches_[b.sha256];
        if (slot.state != LedgerBatchState::done) slot = std::move(b);   // done stays done
        return {};
    }
    if (t != "claim" && t != "order" && t != "release")
        return make_error("unknown ledger record type \"" + t + "\" (written by a newer xferd?)");
    const std::string sid = str(o, "sid");
    if (sid.empty()) return make_error("\"" + t + "\" record without a service id");
    auto& entry = services_[sid];
    if (t == "claim") {
        entry.claim = ServiceClaim{sid, owner_of(o), str(o, "at")};
    } else if (t == "order") {
        // The first order stays the covering one; a claim ends with its order.
        if (!entry.order) entry.order = LedgerOrder{sid, str(o, "order_id"), owner_of(o), str(o, "at")};
        entry.claim.reset();
    } else if (entry.claim && entry.claim->owner == owner_of(o)) {
        entry.claim.reset();
    }
    return {};
}

Result<void> Ledger::append(const std::vector<json::object>& records)
{
    if (records.empty()) return {};
    std::string bytes;
    for (const auto& r : records) bytes += frame_object(r);
    if (auto w = file_.append(bytes); !w) return make_error("ledger: " + w.error().message);
    // We hold the lock exclusively and had read to the end: these lines are ours and the next.
    loaded_bytes_ += bytes.size();
    loaded_lines_ += records.size();
    for (const auto& r : records)
        if (auto a = apply(r); !a) return a;
    return {};
}

Result<std::optional<LedgerBatch>> Ledger::begin_batch(std::string_view sha256, std::string_view input,
                                                       std::string_view at)
{
    Lock lock(lock_fd_, LOCK_EX);
    if (!lock.error().empty()) return make_error(lock.error());
    if (auto r = load_new(true); !r) return r.error();
    if (auto it = batches_.find(sha256); it != batches_.end()) {
        if (it->second.state == LedgerBatchState::done) return std::optional<LedgerBatch>(it->second);
        return std::optional<LedgerBatch>();   // started before: resuming
    }
    json::object o{{"t", "batch"}, {"sha256", sha256}, {"input", input}, {"state", "started"}, {"at", at}};
    if (auto r = append({o}); !r) return r.error();
    return std::optional<LedgerBatch>();
}

Result<void> Ledger::finish_batch(std::string_view sha256, std::string_view input, std::string_view at)
{
    Lock lock(lock_fd_, LOCK_EX);
    if (!lock.error().empty()) return make_error(lock.error());
    if (auto r = load_new(true); !r) return r.error();
    if (auto it = batches_.find(sha256); it != batches_.end() && it->second.state == LedgerBatchState::done) return {};
    json::object o{{"t", "batch"}, {"sha256", sha256}, {"input", input}, {"state", "done"}, {"at", at}};
    return append({o});
}

Result<std::optional<LedgerBatch>> Ledger::find_batch(std::string_view sha256)
{
    if (auto r = refresh(); !r) return r.error();
    if (auto it = batches_.find(sha256); it != batches_.end()) return std::optional<LedgerBatch>(it->second);
    return std::optional<LedgerBatch>();
}

Result<ClaimResult> Ledger::claim_service(std::string_view service_id, const ServiceOwner& owner,
                                          std::string_view at)
{
    const ServiceRequest request{std::string(service_id), owner};
    auto results = claim_services(std::span(&request, 1), at);
    if (!results) return results.error();
    return std::move(results->front());
}

Result<std::vector<ClaimResult>> Ledger::claim_services(std::span<const ServiceRequest> requests,
                                                        std::string_view at)
{
    Lock lock(lock_fd_, LOCK_EX);
    if (!lock.error().empty()) return make_error(lock.error());
    if (auto r = load_new(true); !r) return r.error();
    std::vector<ClaimResult> results;
    std::vector<json::object> records;
    // Claims granted in this call, so two requests for one service see each other.
    std::map<std::string, ServiceClaim, std::less<>> granted;
    for (const auto& req : requests) {
        ClaimResult result;
        const ServiceEntry* e = nullptr;
        if (auto it = services_.find(req.service_id); it != services_.end()) e = &it->second;
        std::optional<ServiceClaim> claim = e ? e->claim : std::nullopt;
        if (auto g = granted.find(req.service_id); g != granted.end()) claim = g->second;
        if (e && e->order) {
            const auto& order = *e->order;
            result.kind = ClaimResult::Kind::already_ordered;
            result.order = order;
            result.message = "service " + req.service_id + " was already transferred by order " + order.order_id +
                             " (external order number " + order.owner.external_order_number + ", " +
                             where(order.owner) + ", " + order.at + "); not submitted again";
        } else if (claim && !(claim->owner == req.owner)) {
            result.kind = ClaimResult::Kind::claimed_elsewhere;
            result.claim = claim;
            result.message = "service " + req.service_id + " is being submitted, or is in doubt, as external order number " +
                             claim->owner.external_order_number + " (" + where(claim->owner) + ", since " + claim->at +
                             "); not submitted again: once that row is settled, drop this row again in a new batch "
                             "if it is still needed";
        } else if (!claim) {
            // Granted, and new: record it. (A claim already ours is granted as it stands.)
            records.push_back(service_record("claim", req.service_id, req.owner, at));
            granted.emplace(req.service_id, ServiceClaim{req.service_id, req.owner, std::string(at)});
        }
        results.push_back(std::move(result));
    }
    if (auto r = append(records); !r) return r.error();
    return results;
}

Result<void> Ledger::record_order(const LedgerOrder& order) { return record_orders(std::span(&order, 1)); }

Result<void> Ledger::record_orders(std::span<const LedgerOrder> orders)
{
    Lock lock(lock_fd_, LOCK_EX);
    if (!lock.error().empty()) return make_error(lock.error());
    if (auto r = load_new(true); !r) return r.error();
    std::vector<json::object> records;
    for (const auto& order : orders) {
        if (auto it = services_.find(order.service_id);
            it != services_.end() && it->second.order && it->second.order->order_id == order.order_id)
            continue;
        auto o = service_record("order", order.service_id, order.owner, order.at);
        o["order_id"] = order.order_id;
        records.push_back(std::move(o));
    }
    return append(records);
}

Result<void> Ledger::release_service(std::string_view service_id, const ServiceOwner& owner, std::string_view at)
{
    Lock lock(lock_fd_, LOCK_EX);
    if (!lock.error().empty()) return make_error(lock.error());
    if (auto r = load_new(true); !r) return r.error();
    auto it = services_.find(service_id);
    if (it == services_.end() || !it->second.claim || !(it->second.claim->owner == owner)) return {};
    return append({service_record("release", service_id, owner, at)});
}

Result<std::optional<LedgerOrder>> Ledger::find_order(std::string_view service_id)
{
    if (auto r = refresh(); !r) return r.error();
    if (auto it = services_.find(service_id); it != services_.end() && it->second.order)
        return std::optional<LedgerOrder>(it->second.order);
    return std::optional<LedgerOrder>();
}

}  // namespace xferd
