// Read-only endpoints: /ping, /me, /assets/services, /orders/properties, /acknowledgements.
#include "xferd/sim/endpoints.hpp"
#include "xferd/sim/render.hpp"

namespace xferd::sim {

namespace json = boost::json;

Response ping(const Target& t, State& st)
{
    json::object o;
    auto* echo = t.param("echoText");
    o["echoText"] = echo ? *echo : std::string{};
    o["backend"] = "mobproc-sim";
    o["tenant"] = st.fixtures.tenant;
    o["time"] = format_utc(st.now());
    return json_response(200, o);
}

Response me(const Caller& caller, State& st)
{
    json::object o;
    if (caller.user)
        o["authenticatedUser"] = employee_json(st.fixtures, *caller.user, st.base_url);
    if (caller.actor)
        o["actor"] = employee_json(st.fixtures, *caller.actor, st.base_url);
    json::array types;
    for (auto& [name, t] : st.fixtures.transaction_types)
        types.push_back(json::string(name));
    o["transactionTypes"] = std::move(types);
    o["isApprover"] = false;
    o["canMoveService"] = false;
    return json_response(200, o);
}

Response list_services(const Target& t, State& st)
{
    Response error;
    auto page = parse_page(t, st, error);
    if (!page)
        return error;
    auto& fx = st.fixtures;
    auto* employee = t.param("employee");
    auto* company_id = t.param("companyEmployeeId");
    const Employee* by_company = company_id ? fx.find_employee_by_company_id(*company_id) : nullptr;
    std::size_t total = 0;
    json::array items;
    for (auto& id : fx.service_order) {
        auto& s = fx.services.find(id)->second;
        if (employee && s.employee_id != *employee)
            continue;
        if (company_id && (!by_company || s.employee_id != by_company->id))
            continue;
        if (total >= page->offset && items.size() < page->limit)
            items.push_back(service_detail_json(fx, s, st.base_url));
        ++total;
    }
    json::object coll;
    coll["_meta"] = page_meta(st, "/assets/services", t, total, *page);
    coll["items"] = std::move(items);
    json::object out;
    out["services"] = std::move(coll);
    return json_response(200, out);
}

Response get_service(std::string_view id, State& st)
{
    auto* s = st.fixtures.find_service(id);
    if (!s)
        return error_response(st, 404, "404-Service-Not-Found-error",
                              "Service " + std::string(id) + " was not found.");
    return json_response(200, service_detail_json(st.fixtures, *s, st.base_url));
}

namespace {

// Resolves transactionType plus vendor (or service → its vendor); sets `error` when invalid.
struct TypeAndVendor {
    const TransactionTypeDef* type = nullptr;
    std::string vendor_id;
};

std::optional<TypeAndVendor> type_and_vendor(const Target& t, State& st, bool allow_service,
                                             Response& error)
{
    auto& fx = st.fixtures;
    auto* tt = t.param("transactionType");
    if (!tt || tt->empty()) {
        error = error_response(st, 400, "400-Missing-Query-Parameter-error", "transactionType must be passed in.");
        return std::nullopt;
    }
    TypeAndVendor out;
    out.type = fx.find_transaction_type(*tt);
    if (!out.type) {
        error = error_response(st, 400, "400-Invalid-Transaction-Type-error",
                               "transactionType " + *tt + " is not supported by this backend.");
        return std::nullopt;
    }
    if (auto* v = t.param("vendor"); v && !v->empty()) {
        if (!fx.vendors.count(*v)) {
            error = error_response(st, 404, "404-Vendor-Not-Found-error", "Vendor " + *v + " was not found.");
            return std::nullopt;
        }
        out.vendor_id = *v;
    } else if (auto* s = allow_service ? t.param("service") : nullptr; s && !s->empty()) {
        auto* svc = fx.find_service(*s);
        if (!svc) {
            error = error_response(st, 404, "404-Service-Not-Found-error", "Service " + *s + " was not found.");
            return std::nullopt;
        }
        out.vendor_id = svc->vendor_id;
    } else {
        error = error_response(st, 400, "400-Missing-Query-Parameter-error",
                               allow_service ? "vendor or service must be passed in."
                                             : "vendor must be passed in.");
        return std::nullopt;
    }
    return out;
}

}  // namespace

Response order_properties(const Target& t, State& st)
{
    Response error;
    auto tv = type_and_vendor(t, st, true, error);
    if (!tv)
        return error;
    json::array fields;
    for (auto& p : tv->type->properties) {
        json::object f;
        f["id"] = p.id;
        f["label"] = p.label;
        f["type"] = p.type;
        f["validation"] = p.validation;
        if (p.max_length) f["maxLength"] = *p.max_length;
        if (p.min_length) f["minLength"] = *p.min_length;
        if (!p.pattern.empty()) f["pattern"] = p.pattern;
        if (!p.reg_ex.empty()) f["regEx"] = p.reg_ex;
        fields.push_back(std::move(f));
    }
    json::object group;
    group["groupId"] = "MISCELLANEOUS";
    group["fields"] = std::move(fields);
    json::object meta;
    std::string href = st.base_url + "/orders/properties";
    char sep = '?';
    for (auto& [k, v] : t.query) {
        href += sep + pct_encode(k) + "=" + pct_encode(v);
        sep = '&';
    }
    meta["href"] = href;
    json::object coll;
    coll["_meta"] = std::move(meta);
    coll["items"] = json::array{std::move(group)};
    json::object out;
    out["properties"] = std::move(coll);
    return json_response(200, out);
}

Response acknowledgements(const Target& t, State& st)
{
    Response error;
    auto tv = type_and_vendor(t, st, false, error);
    if (!tv)
        return error;
    json::array blocks;
    for (auto& b : tv->type->infoblocks) {
        json::array paragraphs;
        for (auto& p : b.paragraphs) {
            json::object para;
            para["text"] = p;
            paragraphs.push_back(std::move(para));
        }
        json::object block;
        block["header"] = b.header;
        block["paragraphs"] = std::move(paragraphs);
        blocks.push_back(std::move(block));
    }
    json::array acks;
    for (auto& a : tv->type->acknowledgements) {
        if (!a.vendor_id.empty() && a.vendor_id != tv->vendor_id)
            continue;
        json::object ack;
        ack["id"] = a.id;
        ack["label"] = a.label;
        ack["type"] = "BOOLEAN";
        ack["validation"] = a.validation;
        acks.push_back(std::move(ack));
    }
    json::object out;
    out["infoblocks"] = std::move(blocks);
    out["acknowledgements"] = std::move(acks);
    return json_response(200, out);
}

}  // namespace xferd::sim
