// POST /orders (confirm and submit), GET /orders, /orders/{id}, history and shipments.
#include "xferd/sim/endpoints.hpp"
#include "xferd/sim/render.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>

namespace xferd::sim {

namespace json = boost::json;

namespace {

bool blank(std::string_view s)
{
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

std::size_t utf8_length(std::string_view s)
{
    return std::size_t(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Validates and echoes an orderRequest for one service; collects every problem it finds.
struct OrderCheck {
    State& st;
    json::array errors;
    const TransactionTypeDef* type = nullptr;
    const ServiceAsset* service = nullptr;
    std::string external_order_number;
    json::array properties;       // echoed, with labels
    json::array acknowledgements;  // echoed

    void fail(std::string_view code, std::string_view message)
    {
        errors.push_back(make_error(st, 400, code, message));
    }

    void check(const json::object& req)
    {
        auto* tt = req.if_contains("transactionType");
        if (!tt || !tt->is_string() || tt->as_string().empty())
            fail("400-Missing-Transaction-Type-error", "transactionType must be passed in.");
        else if (!(type = st.fixtures.find_transaction_type(tt->as_string())))
            fail("400-Invalid-Transaction-Type-error",
                 "transactionType " + std::string(tt->as_string()) + " is not supported by this backend.");

        if (auto* ext = req.if_contains("externalOrderNumber")) {
            if (!ext->is_string())
                fail("400-Invalid-External-Order-Number-error", "externalOrderNumber must be a string.");
            else if (ext->as_string().size() > 64)
                fail("400-Invalid-External-Order-Number-error",
                     "externalOrderNumber must be at most 64 characters.");
            else
                external_order_number = std::string(ext->as_string());
        }

        auto* sid = req.if_contains("serviceId");
        if (!sid || !sid->is_string() || blank(sid->as_string())) {
            fail("400-Missing-Service-Id-error", "serviceId must be passed in.");
        } else if (!(service = st.fixtures.find_service(sid->as_string()))) {
            fail("400-Service-Not-Found-error",
                 "Service " + std::string(sid->as_string()) + " was not found.");
        } else if (type) {
            auto& ok = type->allowed_statuses;
            if (std::find(ok.begin(), ok.end(), service->status) == ok.end()) {
                bool active_only = ok.size() == 1 && ok.front() == "ACTIVE";
                fail(active_only ? "400-Service-Not-Active-error" : "400-Invalid-Service-Status-error",
                     "Service " + service->id + (active_only ? " is not active" : " is not in a valid state") +
                         " (status " + service->status + ") for " + type->name + ".");
            }
        }

        check_properties(req.if_contains("properties"));
        check_acknowledgements(req.if_contains("acknowledgements"));
    }

    void check_properties(const json::value* props)
    {
        std::vector<std::string> present;
        if (props && !props->is_array()) {
            fail("400-Invalid-Property-error", "properties must be an array of property groups.");
            props = nullptr;
        }
        if (props) {
            std::size_t gi = 0;
            for (auto& g : props->as_array()) {
                std::string where = "properties[" + std::to_string(gi++) + "]";
                auto* group = g.if_object();
                auto* gid = group ? group->if_contains("groupId") : nullptr;
                auto* fields = group ? group->if_contains("fields") : nullptr;
                if (!group || !gid || !gid->is_string() || !fields || !fields->is_array()) {
                    fail("400-Invalid-Property-error", where + " must have a groupId and a fields array.");
                    continue;
                }
                json::array echoed;
                std::size_t fi = 0;
                for (auto& f : fields->as_array()) {
                    auto fwhere = where + ".fields[" + std::to_string(fi++) + "]";
                    if (auto out = check_field(f, fwhere, present))
                        echoed.push_back(std::move(*out));
                }
                json::object eg;
                eg["fields"] = std::move(echoed);
                eg["groupId"] = gid->as_string();
                properties.push_back(std::move(eg));
            }
        }
        if (!type)
            return;
        for (auto& def : type->properties) {
            if (def.required() && std::find(present.begin(), present.end(), def.id) == present.end())
                fail("400-Missing-Required-Property-error",
                     "Required property " + def.id + " (" + def.label + ") is missing or empty.");
        }
    }

    std::optional<json::object> check_field(const json::value& f, const std::string& where,
                                            std::vector<std::string>& present)
    {
        auto* field = f.if_object();
        auto* id = field ? field->if_contains("id") : nullptr;
        if (!field || !id || !id->is_string() || id->as_string().empty()) {
            fail("400-Invalid-Property-error", where + " must be an object with an id.");
            return std::nullopt;
        }
        std::string pid(id->as_string());
        const PropertyDef* def = type ? type->find_property(pid) : nullptr;
        auto* t = field->if_contains("type");
        std::string ptype = t && t->is_string() ? std::string(t->as_string()) : (def ? def->type : "TEXT");
        if (def && ptype != def->type) {
            fail("400-Invalid-Property-Value-error", pid + " must be of type " + def->type + ".");
            return std::nullopt;
        }
        json::object out = *field;
        if (def)
            out["label"] = def->label;
        out["type"] = ptype;
        if (ptype == "TEXT") {
            auto* text = field->if_contains("text");
            if (text && !text->is_string()) {
                fail("400-Invalid-Property-Value-error", pid + ": text must be a string.");
                return std::nullopt;
            }
            std::string_view v = text ? std::string_view(text->as_string()) : std::string_view{};
            if (blank(v))
                return out;  // counts as absent for the REQUIRED check
            present.push_back(pid);
            if (def && def->max_length && utf8_length(v) > std::size_t(*def->max_length))
                fail("400-Invalid-Property-Value-error",
                     pid + " must be at most " + std::to_string(*def->max_length) + " characters.");
            if (def && def->min_length && utf8_length(v) < std::size_t(*def->min_length))
                fail("400-Invalid-Property-Value-error",
                     pid + " must be at least " + std::to_string(*def->min_length) + " characters.");
            if (def && def->reg_ex_compiled &&
                !std::regex_match(v.begin(), v.end(), *def->reg_ex_compiled))
                fail("400-Invalid-Property-Value-error", pid + " (" + def->label + ") is not valid.");
        } else if (ptype == "DATE") {
            auto* date = field->if_contains("date");
            if (!date || (date->is_string() && blank(date->as_string())))
                return out;
            auto parsed = date->is_string() ? parse_utc(date->as_string()) : std::nullopt;
            if (!parsed) {
                fail("400-Invalid-Property-Value-error", pid + ": date must be an ISO-8601 timestamp.");
                return std::nullopt;
            }
            out["date"] = format_utc(*parsed);
            present.push_back(pid);
        } else if (ptype == "CHOICE") {
            auto* choice = field->if_contains("choice");
            if (!choice)
                return out;
            auto* cid = choice->is_object() ? choice->as_object().if_contains("id") : nullptr;
            if (!cid || !cid->is_string()) {
                fail("400-Invalid-Property-Value-error", pid + ": choice must be an object with an id.");
                return std::nullopt;
            }
            present.push_back(pid);
        } else {
            fail("400-Invalid-Property-Value-error", pid + ": unsupported property type " + ptype + ".");
            return std::nullopt;
        }
        return out;
    }

    void check_acknowledgements(const json::value* acks)
    {
        if (!acks)
            return;
        if (!acks->is_array()) {
            fail("400-Invalid-Acknowledgement-error", "acknowledgements must be an array.");
            return;
        }
        for (auto& a : acks->as_array()) {
            auto* ack = a.if_object();
            auto* id = ack ? ack->if_contains("id") : nullptr;
            auto* value = ack ? ack->if_contains("boolean") : nullptr;
            if (!id || !id->is_string() || !value || !value->is_bool()) {
                fail("400-Invalid-Acknowledgement-error",
                     "each acknowledgement needs an id and a boolean.");
                continue;
            }
            const AckDef* def = nullptr;
            if (type)
                for (auto& d : type->acknowledgements)
                    if (d.id == id->as_string() &&
                        (d.vendor_id.empty() || !service || d.vendor_id == service->vendor_id))
                        def = &d;
            if (!def) {
                fail("400-Invalid-Acknowledgement-error",
                     "Acknowledgement " + std::string(id->as_string()) + " does not apply to this order.");
                continue;
            }
            json::object out;
            out["boolean"] = value->get_bool();
            out["id"] = def->id;
            out["label"] = def->label;
            out["type"] = "BOOLEAN";
            acknowledgements.push_back(std::move(out));
        }
    }
};

}  // namespace

Response post_orders(const Request& req, const Caller& caller, State& st, bool confirm)
{
    auto ct = req.header("content-type");
    if (!(ct == "application/json" || ct.starts_with("application/json;") ||
          ct.starts_with("application/json ")))
        return errors_response(400, json::array{make_error(st, 400, "400-Invalid-Content-Type-error",
                                                           "Content-Type must be application/json.")});
    boost::system::error_code ec;
    json::value body = json::parse(req.body, ec);
    if (ec)
        return errors_response(400, json::array{make_error(st, 400, "400-Malformed-JSON-error",
                                                           "The request body is not valid JSON.")});
    auto* root = body.if_object();
    auto* order_request = root ? root->if_contains("orderRequest") : nullptr;
    if (!order_request || !order_request->is_object())
        return errors_response(400, json::array{make_error(st, 400, "400-Missing-Order-Request-error",
                                                           "The body must be {\"orderRequest\":{...}}.")});
    OrderCheck check{st, {}, nullptr, nullptr, {}, {}, {}};
    check.check(order_request->as_object());
    if (!check.errors.empty())
        return errors_response(400, std::move(check.errors));

    const auto& fx = st.fixtures;
    const ServiceAsset& service = *check.service;
    const Employee* holder = fx.find_employee(service.employee_id);
    const Employee* requester = caller.actor ? caller.actor : holder;

    if (confirm) {
        json::object c;
        c["accountHolder"] = employee_json(fx, *holder, st.base_url);
        c["acknowledgements"] = std::move(check.acknowledgements);
        if (auto d = fx.devices.find(service.device_id); d != fx.devices.end())
            c["device"] = device_json(fx, d->second, st.base_url);
        c["externalOrderNumber"] = check.external_order_number;
        c["properties"] = std::move(check.properties);
        if (auto r = fx.regions.find(service.region_id); r != fx.regions.end())
            c["region"] = region_json(r->second, st.base_url);
        c["requestedBy"] = employee_json(fx, *requester, st.base_url);
        c["service"] = service_ref_json(service, st.base_url);
        c["transactionType"] = check.type->name;
        json::object out;
        out["orderConfirmation"] = std::move(c);
        out["status"] = "SUCCESS";
        return json_response(200, out);
    }

    Order order;
    order.id = st.next_order_id;
    order.segment_id = order.id + 1;
    st.next_order_id += 2;
    order.external_order_number = check.external_order_number;
    order.service_id = service.id;
    order.service_number = service.service_number;
    order.transaction_type = check.type->name;
    order.account_holder_id = holder->id;
    order.requested_by_id = requester->id;
    order.vendor_id = service.vendor_id;
    order.properties = std::move(check.properties);
    order.submitted = st.now();
    st.orders.push_back(std::move(order));
    const Order& stored = st.orders.back();

    if (st.stats.orders_by_external[stored.external_order_number]++ > 0)
        ++st.stats.duplicate_orders;
    if (st.on_audit)
        st.on_audit(audit_record(stored));

    json::object out;
    out["order"] = order_json(st, stored, stored.submitted);
    out["status"] = "SUCCESS";
    return json_response(200, out);
}

Response get_order(std::string_view id, State& st)
{
    const Order* order = st.find_order(id);
    if (!order)
        return error_response(st, 404, "404-Order-Not-Found-error", "Order " + std::string(id) + " was not found.");
    return json_response(200, order_json(st, *order, st.now()));
}

Response list_orders(const Target& t, State& st)
{
    Response error;
    auto page = parse_page(t, st, error);
    if (!page)
        return error;
    std::optional<Clock::time_point> since;
    if (auto* s = t.param("dateTimeUpdatedOnOrAfter")) {
        since = parse_utc(*s);
        if (!since)
            return error_response(st, 400, "400-Invalid-Query-Parameter-error",
                                  "dateTimeUpdatedOnOrAfter must be an ISO-8601 timestamp.");
    }
    auto* employee = t.param("employee");
    auto* company_id = t.param("companyEmployeeId");
    const Employee* by_company = company_id ? st.fixtures.find_employee_by_company_id(*company_id) : nullptr;
    auto now = st.now();

    std::size_t total = 0;
    json::array items;
    for (auto& order : st.orders) {
        if (employee && order.account_holder_id != *employee)
            continue;
        if (company_id && (!by_company || order.account_holder_id != by_company->id))
            continue;
        if (since && order_status_at(order, st.status_after, now).second < *since)
            continue;
        if (total >= page->offset && items.size() < page->limit)
            items.push_back(order_json(st, order, now));
        ++total;
    }
    json::object coll;
    coll["_meta"] = page_meta(st, "/orders", t, total, *page);
    coll["items"] = std::move(items);
    json::object out;
    out["orders"] = std::move(coll);
    return json_response(200, out);
}

Response order_history(std::string_view id, State& st)
{
    const Order* order = st.find_order(id);
    if (!order)
        return error_response(st, 404, "404-Order-Not-Found-error", "Order " + std::string(id) + " was not found.");
    json::array items;
    auto add = [&](const std::string& status, Clock::time_point at) {
        json::object h;
        h["date"] = format_utc(at);
        h["orderSegmentId"] = std::to_string(order->segment_id);
        h["status"] = status;
        items.push_back(std::move(h));
    };
    add("ORDER_SUBMITTED", order->submitted);
    auto now = st.now();
    for (auto& step : st.status_after)
        if (order->submitted + step.after <= now)
            add(step.status, order->submitted + step.after);
    json::object coll;
    coll["items"] = std::move(items);
    json::object out;
    out["history"] = std::move(coll);
    return json_response(200, out);
}

Response order_shipments(std::string_view id, State& st)
{
    if (!st.find_order(id))
        return error_response(st, 404, "404-Order-Not-Found-error", "Order " + std::string(id) + " was not found.");
    json::object coll;
    coll["items"] = json::array{};
    json::object out;
    out["shipments"] = std::move(coll);
    return json_response(200, out);
}

}  // namespace xferd::sim
