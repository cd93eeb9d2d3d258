#include "xferd/core/order.hpp"

#include <boost/json.hpp>

#include <map>

namespace json = boost::json;

namespace xferd {

namespace {

json::object text_field(std::string_view id, std::string_view text, const json::storage_ptr& sp)
{
    return json::object({{"id", id}, {"type", "TEXT"}, {"text", text}}, sp);
}

const json::object* object_at(const json::object* obj, std::string_view key)
{
    if (!obj) return nullptr;
    auto it = obj->find(key);
    return it == obj->end() ? nullptr : it->value().if_object();
}

const json::object* find_object(const json::value& v, std::string_view key)
{
    return object_at(v.if_object(), key);
}

std::string string_at(const json::object* obj, std::string_view key)
{
    if (!obj) return {};
    auto it = obj->find(key);
    if (it == obj->end()) return {};
    if (const auto* s = it->value().if_string()) return std::string(*s);
    if (it->value().is_int64()) return std::to_string(it->value().get_int64());
    return {};
}

std::string join_nonempty(std::initializer_list<std::string> parts)
{
    std::string out;
    for (const auto& p : parts) {
        if (p.empty()) continue;
        if (!out.empty()) out += ' ';
        out += p;
    }
    return out;
}

std::string excerpt(std::string_view body)
{
    std::string out;
    for (char c : body.substr(0, 200)) out += (c == '\n' || c == '\r') ? ' ' : c;
    if (body.size() > 200) out += "…";
    return out;
}

// "errorCode: message" for one docs/mobproc-api.md § Errors and retries error object.
std::string describe_one(const json::object& e)
{
    std::string code = string_at(&e, "errorCode");
    std::string message = string_at(&e, "message");
    if (code.empty()) return message;
    if (message.empty()) return code;
    return code + ": " + message;
}

}  // namespace

json::value make_order_request(const TransferRow& row, json::storage_ptr sp)
{
    json::array misc({text_field("CONTACT_NUMBER", row.contact_number, sp)}, sp);
    if (!row.additional_instructions.empty())
        misc.push_back(text_field("ADDITIONAL_INSTRUCTIONS", row.additional_instructions, sp));
    misc.push_back(text_field("PERSONAL_EMAIL", row.personal_email, sp));
    misc.push_back(text_field("SERVICE_NUMBER", row.service_number, sp));

    // Extra properties keep their group; MISCELLANEOUS ones join the canonical group.
    std::map<std::string, json::array> other_groups;
    for (const auto& p : row.extra_properties) {
        if (p.group_id == "MISCELLANEOUS")
            misc.push_back(text_field(p.id, p.text, sp));
        else
            other_groups.try_emplace(p.group_id, sp).first->second.push_back(text_field(p.id, p.text, sp));
    }
    json::array properties({json::object({{"groupId", "MISCELLANEOUS"}, {"fields", std::move(misc)}}, sp)}, sp);
    for (auto& [group, fields] : other_groups)
        properties.push_back(json::object({{"groupId", group}, {"fields", std::move(fields)}}, sp));

    return json::value(json::object({{"orderRequest", json::object({{"externalOrderNumber", row.external_order_number},
                                                                      {"serviceId", row.service_id},
                                                                      {"transactionType", transaction_type_xfer_out},
                                                                      {"properties", std::move(properties)}},
                                                                     sp)}},
                                    sp));
}

std::string order_request_body(const TransferRow& row)
{
    // The document lives only until it is serialized: its many small parts come from one
    // buffer on the stack instead of malloc.
    unsigned char buffer[4096];
    json::monotonic_resource arena(buffer, sizeof buffer);
    return json::serialize(make_order_request(row, &arena));
}

ConfirmationSummary summarize_confirmation(const json::value& body)
{
    ConfirmationSummary s;
    const auto* confirmation = find_object(body, "orderConfirmation");
    const auto* root = body.if_object();
    std::string status = string_at(root, "status");
    if (!confirmation || status != "SUCCESS") {
        s.error = confirmation ? "confirmation status is '" + status + "', not SUCCESS"
                               : "the answer holds no orderConfirmation";
        return s;
    }
    s.confirmed = true;
    const auto* account = object_at(confirmation, "accountHolder");
    s.account_holder = join_nonempty({string_at(account, "firstName"), string_at(account, "lastName")});
    s.account_holder_email = string_at(account, "email");
    s.account_holder_id = string_at(account, "companyEmployeeId");
    s.account_holder_tangoe_id = string_at(account, "id");
    s.department = string_at(object_at(account, "department"), "name");

    const auto* device = object_at(confirmation, "device");
    s.device = join_nonempty({string_at(object_at(device, "manufacturer"), "name"), string_at(device, "model")});
    const auto* serial = object_at(device, "serialNumber");
    if (string_at(serial, "type") == "IMEI") s.imei = string_at(serial, "value");

    const auto* service = object_at(confirmation, "service");
    s.service_number = string_at(service, "serviceNumber");
    s.service_status = string_at(service, "status");
    s.contract_end = string_at(object_at(service, "contractDates"), "end");
    // The documented confirmation names no carrier; a backend that adds the service's vendor
    // (as the service asset has it) is shown. Otherwise the order's segment vendor fills it in.
    s.carrier = string_at(object_at(object_at(service, "vendor"), "current"), "name");
    if (s.carrier.empty()) s.carrier = string_at(object_at(confirmation, "vendor"), "name");
    return s;
}

std::optional<SubmittedOrder> parse_order(const json::value& body)
{
    const json::object* order = find_object(body, "order");
    if (!order) order = body.if_object();  // GET /orders/{id} and list items are bare orders
    if (!order) return std::nullopt;
    SubmittedOrder o;
    o.order_id = string_at(order, "orderId");
    if (o.order_id.empty()) return std::nullopt;
    o.status = string_at(order, "status");
    o.external_order_number = string_at(order, "externalOrderNumber");
    o.service_number = string_at(order, "serviceNumber");
    if (const auto* segments = object_at(order, "orderSegments")) {
        auto it = segments->find("items");
        const auto* items = it == segments->end() ? nullptr : it->value().if_array();
        if (items && !items->empty()) o.carrier = string_at(object_at(items->at(0).if_object(), "vendor"), "name");
    }
    return o;
}

std::string describe_api_error(int http_status, std::string_view body)
{
    std::string prefix = "HTTP " + std::to_string(http_status);
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    const auto* obj = ec ? nullptr : v.if_object();
    if (!obj) return body.empty() ? prefix : prefix + ": " + excerpt(body);

    if (auto it = obj->find("errors"); it != obj->end() && it->value().is_array()) {
        std::string out;
        for (const auto& e : it->value().get_array()) {
            if (const auto* eo = e.if_object()) {
                if (!out.empty()) out += "; ";
                out += describe_one(*eo);
            }
        }
        if (!out.empty()) return prefix + ": " + out;
    }
    if (obj->contains("errorCode") || obj->contains("message")) return prefix + ": " + describe_one(*obj);
    if (obj->contains("error")) {  // OAuth token endpoint
        std::string d = string_at(obj, "error_description");
        return prefix + ": " + string_at(obj, "error") + (d.empty() ? "" : ": " + d);
    }
    return prefix + ": " + excerpt(body);
}

bool is_token_error(int http_status, std::string_view body)
{
    if (http_status == 401) return true;
    if (http_status != 403) return false;
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec) return false;
    std::string code = string_at(v.if_object(), "errorCode");
    for (auto& c : code) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return code.find("token") != std::string::npos;
}

}  // namespace xferd
