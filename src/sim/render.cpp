#include "xferd/sim/render.hpp"

namespace xferd::sim {

namespace json = boost::json;

namespace {

json::object meta_href(std::string href)
{
    json::object m;
    m["href"] = std::move(href);
    return m;
}

std::string join(std::string_view base, std::string_view path, std::string_view id)
{
    std::string out;
    out.reserve(base.size() + path.size() + id.size() + 1);
    out.append(base).append(path).append(id);
    return out;
}

}  // namespace

json::object employee_json(const Fixtures& fx, const Employee& e, std::string_view base_url)
{
    json::object o;
    o["_meta"] = meta_href(join(base_url, "/employees/", e.id));
    o["companyEmployeeId"] = e.company_employee_id;
    if (!e.department_id.empty()) {
        json::object d;
        d["id"] = e.department_id;
        auto it = fx.departments.find(e.department_id);
        d["name"] = it == fx.departments.end() ? std::string{} : it->second.name;
        o["department"] = std::move(d);
    }
    o["email"] = e.email;
    o["firstName"] = e.first_name;
    o["id"] = e.id;
    o["lastName"] = e.last_name;
    if (!e.office_phone.empty())
        o["officePhone"] = e.office_phone;
    o["status"] = e.status;
    return o;
}

json::object device_json(const Fixtures& fx, const Device& d, std::string_view base_url)
{
    json::object o;
    if (!d.access_method.empty())
        o["accessMethod"] = d.access_method;
    o["id"] = d.id;
    if (!d.mac_address.empty())
        o["macAddress"] = d.mac_address;
    json::object m;
    m["_meta"] = meta_href(join(base_url, "/manufacturers/", d.manufacturer_id));
    m["id"] = d.manufacturer_id;
    auto it = fx.manufacturers.find(d.manufacturer_id);
    if (it != fx.manufacturers.end()) {
        if (!it->second.logo_url.empty())
            m["logoUrl"] = it->second.logo_url;
        m["name"] = it->second.name;
    }
    o["manufacturer"] = std::move(m);
    o["model"] = d.model;
    if (!d.serial_value.empty()) {
        json::object sn;
        sn["type"] = d.serial_type;
        sn["value"] = d.serial_value;
        o["serialNumber"] = std::move(sn);
    }
    if (!d.sim_id.empty())
        o["simId"] = d.sim_id;
    return o;
}

json::object service_ref_json(const ServiceAsset& s, std::string_view base_url)
{
    json::object o;
    o["_meta"] = meta_href(join(base_url, "/assets/services/", s.id));
    json::object cd;
    cd["activated"] = s.contract_dates.activated;
    cd["end"] = s.contract_dates.end;
    cd["lastDeviceUpgrade"] = s.contract_dates.last_device_upgrade;
    cd["start"] = s.contract_dates.start;
    o["contractDates"] = std::move(cd);
    o["id"] = s.id;
    o["serviceNumber"] = s.service_number;
    o["status"] = s.status;
    return o;
}

json::object region_json(const Named& r, std::string_view base_url)
{
    json::object o;
    o["_meta"] = meta_href(join(base_url, "/regions/", r.id));
    o["id"] = r.id;
    o["name"] = r.name;
    return o;
}

json::object vendor_json(const Named& v, std::string_view base_url)
{
    json::object o;
    o["_meta"] = meta_href(join(base_url, "/vendors/", v.id));
    o["id"] = v.id;
    o["logoUrl"] = v.logo_url;
    o["name"] = v.name;
    return o;
}

json::object service_detail_json(const Fixtures& fx, const ServiceAsset& s, std::string_view base_url)
{
    json::object o = service_ref_json(s, base_url);
    if (!s.plan.empty()) {
        json::object plan;
        plan["name"] = s.plan;
        o["plan"] = std::move(plan);
    }
    if (auto v = fx.vendors.find(s.vendor_id); v != fx.vendors.end()) {
        json::object vendor;
        vendor["billing"] = vendor_json(v->second, base_url);
        vendor["current"] = vendor_json(v->second, base_url);
        o["vendor"] = std::move(vendor);
    }
    if (auto d = fx.devices.find(s.device_id); d != fx.devices.end()) {
        json::object dev = device_json(fx, d->second, base_url);
        dev["_meta"] = meta_href(join(base_url, "/assets/devices/", d->second.id));
        o["device"] = std::move(dev);
    }
    if (auto* e = fx.find_employee(s.employee_id))
        o["employee"] = employee_json(fx, *e, base_url);
    if (auto r = fx.regions.find(s.region_id); r != fx.regions.end())
        o["region"] = region_json(r->second, base_url);
    json::array actions;
    for (auto& [name, t] : fx.transaction_types)
        for (auto& st : t.allowed_statuses)
            if (st == s.status) {
                actions.push_back(json::string(name));
                break;
            }
    o["orderActions"] = std::move(actions);
    return o;
}

json::object order_json(const State& state, const Order& order, Clock::time_point now)
{
    const auto& fx = state.fixtures;
    const std::string& base = state.base_url;
    std::string id = std::to_string(order.id);
    std::string seg = std::to_string(order.segment_id);
    auto [status, updated] = order_status_at(order, state.status_after, now);

    json::object o;
    o["_meta"] = meta_href(join(base, "/orders/", id));
    if (auto* e = fx.find_employee(order.account_holder_id))
        o["accountHolder"] = employee_json(fx, *e, base);
    o["dateSubmitted"] = format_utc(order.submitted);
    o["externalOrderNumber"] = order.external_order_number;
    o["orderId"] = id;

    json::object segment;
    json::object seg_meta;
    seg_meta["hrefHistory"] = base + "/orders/" + id + "/history?orderSegment=" + seg;
    seg_meta["hrefShipments"] = base + "/orders/" + id + "/shipments?orderSegment=" + seg;
    segment["_meta"] = std::move(seg_meta);
    segment["accessories"] = json::array{};
    segment["features"] = json::array{};
    segment["orderSegmentId"] = seg;
    segment["status"] = status;
    if (auto v = fx.vendors.find(order.vendor_id); v != fx.vendors.end())
        segment["vendor"] = vendor_json(v->second, base);
    json::array items;
    items.push_back(std::move(segment));
    json::object segments;
    segments["items"] = std::move(items);
    o["orderSegments"] = std::move(segments);

    o["properties"] = order.properties;
    if (auto* e = fx.find_employee(order.requested_by_id))
        o["requestedBy"] = employee_json(fx, *e, base);
    o["serviceNumber"] = order.service_number;
    o["status"] = status;
    o["transactionType"] = order.transaction_type;
    o["updated"] = format_utc(updated);
    return o;
}

json::object error_json(int status, std::string_view id, std::string_view code, std::string_view message)
{
    json::object o;
    o["status"] = status;
    o["id"] = id;
    o["errorCode"] = code;
    o["message"] = message;
    return o;
}

}  // namespace xferd::sim
