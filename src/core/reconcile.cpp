#include "xferd/core/reconcile.hpp"

#include "xferd/core/order.hpp"
#include "xferd/core/policy.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cstdio>

namespace xferd {

namespace json = boost::json;
using namespace std::chrono;

// ---- time and query ---------------------------------------------------------------------------

namespace {

// Reads exactly `n` digits at `pos`.
std::optional<int> digits(std::string_view s, std::size_t pos, std::size_t n)
{
    if (pos + n > s.size()) return std::nullopt;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

}  // namespace

std::optional<sys_seconds> parse_iso8601(std::string_view s)
{
    // YYYY-MM-DDTHH:MM:SS
    auto y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
    auto h = digits(s, 11, 2), mi = digits(s, 14, 2), se = digits(s, 17, 2);
    if (!y || !mo || !d || !h || !mi || !se || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':')
        return std::nullopt;
    const year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
    if (!ymd.ok() || *h > 23 || *mi > 59 || *se > 60) return std::nullopt;
    std::size_t pos = 19;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {   // fraction: dropped (floor)
        ++pos;
        const std::size_t start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
        if (pos == start) return std::nullopt;
    }
    seconds zone{0};
    if (pos >= s.size()) return std::nullopt;   // no zone: ambiguous
    if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        const int sign = s[pos] == '-' ? -1 : 1;
        auto zh = digits(s, pos + 1, 2);
        if (!zh) return std::nullopt;
        pos += 3;
        int zm = 0;
        if (pos < s.size()) {
            if (s[pos] == ':') ++pos;
            auto m = digits(s, pos, 2);
            if (!m) return std::nullopt;
            zm = *m;
            pos += 2;
        }
        if (*zh > 23 || zm > 59) return std::nullopt;
        zone = sign * (hours{*zh} + minutes{zm});
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    const seconds leap_safe{std::min(*se, 59)};   // 23:59:60 → :59 (never later than meant)
    return sys_days{ymd} + hours{*h} + minutes{*mi} + leap_safe - zone;
}

std::string format_iso8601(sys_seconds t)
{
    const auto day_point = floor<days>(t);
    const year_month_day ymd{day_point};
    const hh_mm_ss hms{t - day_point};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

std::string query_encode(std::string_view text)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 3);
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xF]);
        }
    }
    return out;
}

std::string orders_query_target(sys_seconds since, std::size_t limit, std::size_t offset)
{
    return "/orders?dateTimeUpdatedOnOrAfter=" + query_encode(format_iso8601(since)) +
           "&limit=" + std::to_string(limit) + "&offset=" + std::to_string(offset);
}

// ---- pages --------------------------------------------------------------------------------------

namespace {

std::optional<std::size_t> count_of(const json::object& o, std::string_view key)
{
    auto* v = o.if_contains(key);
    if (!v) return std::nullopt;
    if (v->is_uint64()) return static_cast<std::size_t>(v->as_uint64());
    if (v->is_int64() && v->as_int64() >= 0) return static_cast<std::size_t>(v->as_int64());
    if (auto* s = v->if_string()) {   // "31": tolerated
        std::size_t n = 0;
        if (s->empty() || s->size() > 18) return std::nullopt;
        for (char c : *s) {
            if (c < '0' || c > '9') return std::nullopt;
            n = n * 10 + static_cast<std::size_t>(c - '0');
        }
        return n;
    }
    return std::nullopt;
}

// A string, or a number written as one (ids are strings in every example, but be lenient).
std::string text_of(const json::object& o, std::string_view key)
{
    auto* v = o.if_contains(key);
    if (!v) return {};
    if (auto* s = v->if_string()) return std::string(*s);
    if (v->is_uint64()) return std::to_string(v->as_uint64());
    if (v->is_int64()) return std::to_string(v->as_int64());
    return {};
}

}  // namespace

std::optional<OrdersPage> parse_orders_page(std::string_view body, std::string& error)
{
    boost::system::error_code ec;
    json::value root = json::parse(body, ec);
    if (ec) {
        error = "the answer is not JSON (" + ec.message() + ")";
        return std::nullopt;
    }
    const json::value* orders = root.is_object() ? root.as_object().if_contains("orders") : nullptr;
    if (!orders) {
        error = "the answer has no \"orders\" collection";
        return std::nullopt;
    }
    OrdersPage page;
    const json::array* items = nullptr;
    if (auto* o = orders->if_object()) {
        if (auto* meta = o->if_contains("_meta"); meta && meta->is_object()) {
            const auto& m = meta->as_object();
            page.total_count = count_of(m, "totalCount");
            page.offset = count_of(m, "offset");
            page.limit = count_of(m, "limit");
            if (auto* next = m.if_contains("hrefNext"); next && next->is_string() && !next->as_string().empty())
                page.has_href_next = true;
        }
        if (auto* it = o->if_contains("items")) items = it->if_array();
        if (!items && !(page.total_count == std::size_t{0})) {
            error = "the \"orders\" collection has no \"items\" array";
            return std::nullopt;
        }
    } else {
        items = orders->if_array();   // the bare-array envelope some collections use (docs/mobproc-api.md § Paging)
        if (!items) {
            error = "\"orders\" is neither a collection object nor an array";
            return std::nullopt;
        }
    }
    if (items) {
        for (const auto& item : *items) {
            if (!item.is_object()) {
                error = "an item of \"orders\" is not an object";
                return std::nullopt;
            }
            const auto& o = item.as_object();
            OrderSummary s;
            s.order_id = text_of(o, "orderId");
            s.external_order_number = text_of(o, "externalOrderNumber");
            s.service_id = text_of(o, "serviceId");
            if (s.service_id.empty())
                if (auto* svc = o.if_contains("service"); svc && svc->is_object())
                    s.service_id = text_of(svc->as_object(), "id");
            s.service_number = text_of(o, "serviceNumber");
            s.transaction_type = text_of(o, "transactionType");
            page.items.push_back(std::move(s));
        }
    }
    return page;
}

// ---- matching -----------------------------------------------------------------------------------

OrderMatch match_order(const OrderSummary& order, const ReconcileTarget& target)
{
    if (order.external_order_number.empty() || order.external_order_number != target.external_order_number)
        return OrderMatch::no;
    if (!order.transaction_type.empty() && order.transaction_type != transaction_type_xfer_out)
        return OrderMatch::conflict;
    if (!order.service_id.empty() && !target.service_id.empty() && order.service_id != target.service_id)
        return OrderMatch::conflict;
    if (!order.service_number.empty() && (!target.service_number.empty() || !target.confirmed_service_number.empty()) &&
        !same_phone_number(order.service_number, target.service_number) &&
        !same_phone_number(order.service_number, target.confirmed_service_number))
        return OrderMatch::conflict;
    return OrderMatch::yes;
}

// ---- the state machine --------------------------------------------------------------------------

Reconciler::Reconciler(std::vector<ReconcileTarget> targets, ReconcileOptions options)
    : targets_(std::move(targets)), verdicts_(targets_.size()), options_(options)
{
    if (options_.page_size == 0) options_.page_size = 100;
    for (std::size_t i = 0; i < targets_.size(); ++i) {
        auto t = parse_iso8601(targets_[i].intent_at);
        if (!t) {
            verdicts_[i].impossible = "its submit time \"" + targets_[i].intent_at + "\" in the journal is unreadable";
            continue;
        }
        if (!since_ || *t < *since_) since_ = *t;
    }
    if (since_) {
        *since_ -= options_.margin;
        request(0);
    }
}

void Reconciler::request(std::size_t offset)
{
    offset_ = offset;
    next_target_ = orders_query_target(*since_, options_.page_size, offset);
}

bool Reconciler::all_found() const
{
    return std::all_of(verdicts_.begin(), verdicts_.end(),
                       [](const Verdict& v) { return v.order_id.has_value() || v.impossible.has_value(); });
}

void Reconciler::stop_all(const std::string& reason)
{
    for (auto& v : verdicts_)
        if (!v.order_id && !v.impossible) v.impossible = reason;
    next_target_.clear();
}

void Reconciler::feed_failure(std::string_view reason)
{
    if (finished()) return;
    stop_all("the order lookup failed (" + std::string(reason) + ")");
}

void Reconciler::note_matches(const OrderSummary& item)
{
    for (std::size_t i = 0; i < targets_.size(); ++i) {
        auto& v = verdicts_[i];
        switch (match_order(item, targets_[i])) {
        case OrderMatch::yes:
            if (item.order_id.empty()) {
                if (!v.order_id) v.conflict = "an order with this external order number has no orderId";
            } else if (!v.order_id) {
                v.order_id = item.order_id;
            } else if (*v.order_id != item.order_id &&
                       std::find(v.also.begin(), v.also.end(), item.order_id) == v.also.end()) {
                v.also.push_back(item.order_id);
            }
            break;
        case OrderMatch::conflict:
            v.conflict = "order " + (item.order_id.empty() ? std::string("(no id)") : item.order_id) +
                         " carries this external order number but is for " +
                         (item.transaction_type.empty() || item.transaction_type == transaction_type_xfer_out
                              ? "service " + (item.service_id.empty() ? item.service_number : item.service_id)
                              : item.transaction_type);
            break;
        case OrderMatch::no: break;
        }
    }
}

void Reconciler::feed_page(std::string_view body)
{
    if (finished()) return;
    ++pages_read_;
    const std::string where = "GET /orders at offset " + std::to_string(offset_);
    std::string error;
    auto page = parse_orders_page(body, error);
    if (!page) return stop_all(where + ": " + error);
    if (page->offset && *page->offset != offset_)
        return stop_all(where + ": the API answered with offset " + std::to_string(*page->offset) +
                        ", so its paging cannot be trusted");

    for (const auto& item : page->items) note_matches(item);
    if (all_found()) {
        next_target_.clear();
        return;
    }

    // Orders are never deleted and `updated` only grows, so the filtered list only grows, and a
    // new order either lands at the end or pushes items to later positions (re-read, never
    // skipped). A list that shrank breaks that assumption: read it again from the start.
    if (page->total_count) {
        if (total_ && *page->total_count < *total_) {
            if (restarts_ >= options_.max_restarts)
                return stop_all("the list of orders kept shrinking while it was read (" +
                                std::to_string(restarts_ + 1) + " times)");
            ++restarts_;
            total_ = page->total_count;
            return request(0);
        }
        total_ = page->total_count;
    }

    const std::size_t at = page->offset.value_or(offset_);
    const std::size_t n = page->items.size();
    bool more = false;
    if (page->has_href_next) more = true;
    else if (page->total_count) more = at + n < *page->total_count;
    else more = n >= page->limit.value_or(options_.page_size);   // no _meta: a full page may have more
    if (!more) {
        // Absence is concluded only after `absent_scans` whole scans: an order that moved to an
        // already-read page during one scan (an API sorting by `updated`) shows up in the next.
        if (++scans_ < options_.absent_scans) {
            total_.reset();
            return request(0);
        }
        scan_complete_ = true;
        next_target_.clear();
        return;
    }
    if (n == 0) return stop_all(where + ": the API says there are more orders but sent an empty page");
    if (pages_read_ >= options_.max_pages)
        return stop_all("more than " + std::to_string(options_.max_pages) + " pages of orders since " +
                        format_iso8601(*since_));
    const std::size_t overlap = std::min(options_.overlap, n / 2);
    request(at + n - overlap);
}

std::string_view to_string(ReconcileAnswer::Kind k)
{
    switch (k) {
    case ReconcileAnswer::Kind::found: return "found";
    case ReconcileAnswer::Kind::absent: return "absent";
    case ReconcileAnswer::Kind::impossible: return "impossible";
    case ReconcileAnswer::Kind::keep_paging: break;
    }
    return "keep paging";
}

ReconcileAnswer Reconciler::answer_at(std::size_t index) const
{
    const auto& v = verdicts_.at(index);
    const auto& t = targets_.at(index);
    ReconcileAnswer a;
    if (v.order_id) {
        a.kind = ReconcileAnswer::Kind::found;
        a.order_id = *v.order_id;
        a.reason = "found by reconciliation: order " + *v.order_id + " has external order number " +
                   t.external_order_number;
        if (!v.also.empty()) {
            a.reason += "; WARNING: so do orders";
            for (const auto& id : v.also) a.reason += " " + id;
            a.reason += " (a double submit, check them in MobProc)";
        }
        return a;
    }
    const std::string advice = "; look up external order number " + t.external_order_number +
                               " in MobProc before submitting it again";
    if (v.impossible) {
        a.kind = ReconcileAnswer::Kind::impossible;
        a.reason = "cannot tell whether the submit reached MobProc: " + *v.impossible + advice;
        return a;
    }
    if (scan_complete_) {
        if (v.conflict) {
            a.kind = ReconcileAnswer::Kind::impossible;
            a.reason = "cannot tell whether the submit reached MobProc: " + *v.conflict + advice;
            return a;
        }
        a.kind = ReconcileAnswer::Kind::absent;
        a.reason = "no order with external order number " + t.external_order_number + " among the " +
                   (total_ ? std::to_string(*total_) + " " : std::string()) + "orders updated since " +
                   format_iso8601(*since_) + " (" + std::to_string(scans_) + " full reads)";
        return a;
    }
    a.kind = ReconcileAnswer::Kind::keep_paging;
    a.next_target = next_target_;
    return a;
}

ReconcileAnswer Reconciler::answer(std::string_view external_order_number) const
{
    for (std::size_t i = 0; i < targets_.size(); ++i)
        if (targets_[i].external_order_number == external_order_number) return answer_at(i);
    ReconcileAnswer a;
    a.kind = ReconcileAnswer::Kind::impossible;
    a.reason = "external order number " + std::string(external_order_number) + " was not being reconciled";
    return a;
}

}  // namespace xferd
