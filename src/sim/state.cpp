#include "xferd/sim/state.hpp"

#include <charconv>

namespace xferd::sim {

State::State(Fixtures fixtures_in, const Options& options)
    : fixtures(std::move(fixtures_in)),
      token_ttl(options.token_ttl),
      faults(options.faults),
      status_after(options.status_after),
      started(Clock::now()),
      fault_rng(options.seed ? *options.seed : std::random_device{}()),
      id_rng(std::random_device{}())
{
}

const Order* State::find_order(std::string_view id) const
{
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
    if (ec != std::errc{} || p != id.data() + id.size() || n < first_order_id ||
        (n - first_order_id) % 2 != 0)
        return nullptr;
    auto index = (n - first_order_id) / 2;
    return index < orders.size() ? &orders[index] : nullptr;
}

std::string State::random_token(std::size_t length)
{
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::uniform_int_distribution<std::size_t> pick(0, sizeof alphabet - 2);
    std::string out(length, ' ');
    for (auto& c : out)
        c = alphabet[pick(id_rng)];
    return out;
}

std::string State::error_id()
{
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::uniform_int_distribution<std::size_t> pick(0, sizeof alphabet - 2);
    std::string out(5, ' ');
    for (auto& c : out)
        c = alphabet[pick(id_rng)];
    return out;
}

boost::json::object audit_record(const Order& order)
{
    boost::json::object o;
    o["time"] = format_utc(order.submitted, true);
    o["externalOrderNumber"] = order.external_order_number;
    o["serviceId"] = order.service_id;
    o["orderId"] = std::to_string(order.id);
    o["transactionType"] = order.transaction_type;
    return o;
}

std::pair<std::string, Clock::time_point> order_status_at(const Order& order,
                                                          const std::vector<StatusStep>& steps,
                                                          Clock::time_point now)
{
    std::pair<std::string, Clock::time_point> out{"ORDER_SUBMITTED", order.submitted};
    for (auto& step : steps) {
        auto at = order.submitted + step.after;
        if (at > now)
            break;
        out = {step.status, at};
    }
    return out;
}

}  // namespace xferd::sim
