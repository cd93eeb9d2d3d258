#include "xferd/sim/fixtures.hpp"

#include <yaml-cpp/yaml.h>

#include <array>
#include <fstream>
#include <sstream>
#include <unordered_set>

namespace xferd::sim {

const PropertyDef* TransactionTypeDef::find_property(std::string_view id) const
{
    for (auto& p : properties)
        if (p.id == id)
            return &p;
    return nullptr;
}

namespace {

template <class Map>
auto find_in(const Map& m, std::string_view id) -> const typename Map::mapped_type*
{
    auto it = m.find(id);
    return it == m.end() ? nullptr : &it->second;
}

std::string where(const YAML::Node& n)
{
    auto m = n.Mark();
    return m.line >= 0 ? " (line " + std::to_string(m.line + 1) + ")" : std::string{};
}

std::string req(const YAML::Node& n, const char* key, std::string_view what)
{
    auto v = n[key];
    if (!v || !v.IsScalar() || v.Scalar().empty())
        throw FixtureError(std::string(what) + where(n) + ": missing '" + key + "'");
    return v.Scalar();
}

std::string opt(const YAML::Node& n, const char* key)
{
    auto v = n[key];
    return v && v.IsScalar() ? v.Scalar() : std::string{};
}

YAML::Node seq(const YAML::Node& root, const char* key, bool required = true)
{
    auto v = root[key];
    if (!v) {
        if (required)
            throw FixtureError(std::string("fixtures: missing '") + key + "'");
        return YAML::Node(YAML::NodeType::Sequence);
    }
    if (!v.IsSequence())
        throw FixtureError(std::string("fixtures: '") + key + "' must be a list" + where(v));
    return v;
}

template <class T>
void insert_unique(ById<T>& m, T value, std::string_view what)
{
    std::string id = value.id;
    if (!m.emplace(id, std::move(value)).second)
        throw FixtureError(std::string(what) + " '" + id + "' is defined twice");
}

void load_named(const YAML::Node& root, const char* key, ById<Named>& out, bool logo)
{
    for (auto n : seq(root, key)) {
        Named v{req(n, "id", key), req(n, "name", key), logo ? opt(n, "logoUrl") : std::string{}};
        insert_unique(out, std::move(v), key);
    }
}

template <class Map>
void check_ref(const Map& m, const std::string& id, std::string_view what, std::string_view owner)
{
    if (!find_in(m, id))
        throw FixtureError(std::string(owner) + " refers to unknown " + std::string(what) + " '" + id + "'");
}

}  // namespace

const Client* Fixtures::find_client(std::string_view id) const
{
    for (auto& c : clients)
        if (c.id == id)
            return &c;
    return nullptr;
}

const User* Fixtures::find_user(std::string_view username) const
{
    for (auto& u : users)
        if (u.username == username)
            return &u;
    return nullptr;
}

const Employee* Fixtures::find_employee(std::string_view id) const { return find_in(employees, id); }

const Employee* Fixtures::find_employee_by_company_id(std::string_view company_id) const
{
    for (auto& [id, e] : employees)
        if (e.company_employee_id == company_id)
            return &e;
    return nullptr;
}

const ServiceAsset* Fixtures::find_service(std::string_view id) const { return find_in(services, id); }

const TransactionTypeDef* Fixtures::find_transaction_type(std::string_view name) const
{
    return find_in(transaction_types, name);
}

void Fixtures::add_service(ServiceAsset service)
{
    std::string id = service.id;
    insert_unique(services, std::move(service), "service");
    service_order.push_back(std::move(id));
}

// Over 80 lines by design: one section of the fixtures file after the other, as in the file.
Fixtures parse_fixtures(std::string_view yaml_text)
{
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml_text));
    } catch (const YAML::Exception& e) {
        throw FixtureError(std::string("fixtures: ") + e.what());
    }
    if (!root.IsMap())
        throw FixtureError("fixtures: the document must be a mapping");
    try {
        Fixtures fx;
        fx.tenant = req(root, "tenant", "fixtures");
        for (auto n : seq(root, "clients"))
            fx.clients.push_back({req(n, "id", "client"), req(n, "secret", "client")});
        for (auto n : seq(root, "users"))
            fx.users.push_back({req(n, "username", "user"), req(n, "password", "user"),
                                req(n, "employee", "user")});
        load_named(root, "regions", fx.regions, false);
        load_named(root, "departments", fx.departments, false);
        load_named(root, "manufacturers", fx.manufacturers, true);
        load_named(root, "vendors", fx.vendors, true);
        for (auto n : seq(root, "employees")) {
            Employee e{req(n, "id", "employee"),        req(n, "companyEmployeeId", "employee"),
                       req(n, "firstName", "employee"), req(n, "lastName", "employee"),
                       req(n, "email", "employee"),     opt(n, "officePhone"),
                       n["status"] ? opt(n, "status") : "ACTIVE", req(n, "department", "employee")};
            check_ref(fx.departments, e.department_id, "department", "employee " + e.id);
            insert_unique(fx.employees, std::move(e), "employee");
        }
        for (auto n : seq(root, "devices")) {
            auto sn = n["serialNumber"];
            Device d{req(n, "id", "device"),
                     opt(n, "accessMethod"),
                     opt(n, "macAddress"),
                     req(n, "manufacturer", "device"),
                     req(n, "model", "device"),
                     sn ? opt(sn, "type") : "",
                     sn ? opt(sn, "value") : "",
                     opt(n, "simId")};
            check_ref(fx.manufacturers, d.manufacturer_id, "manufacturer", "device " + d.id);
            insert_unique(fx.devices, std::move(d), "device");
        }
        for (auto n : seq(root, "services")) {
            auto cd = n["contractDates"];
            ServiceAsset s{req(n, "id", "service"),
                           req(n, "serviceNumber", "service"),
                           n["status"] ? opt(n, "status") : "ACTIVE",
                           req(n, "employee", "service"),
                           req(n, "device", "service"),
                           req(n, "vendor", "service"),
                           req(n, "region", "service"),
                           opt(n, "plan"),
                           {cd ? opt(cd, "start") : "", cd ? opt(cd, "end") : "",
                            cd ? opt(cd, "activated") : "", cd ? opt(cd, "lastDeviceUpgrade") : ""}};
            std::string owner = "service " + s.id;
            check_ref(fx.employees, s.employee_id, "employee", owner);
            check_ref(fx.devices, s.device_id, "device", owner);
            check_ref(fx.vendors, s.vendor_id, "vendor", owner);
            check_ref(fx.regions, s.region_id, "region", owner);
            fx.add_service(std::move(s));
        }
        for (auto& u : fx.users)
            check_ref(fx.employees, u.employee_id, "employee", "user " + u.username);

        auto types = root["transactionTypes"];
        if (!types || !types.IsMap())
            throw FixtureError("fixtures: missing 'transactionTypes' mapping");
        for (auto kv : types) {
            TransactionTypeDef t;
            t.name = kv.first.Scalar();
            auto n = kv.second;
            for (auto s : seq(n, "allowedStatuses", false))
                t.allowed_statuses.push_back(s.Scalar());
            if (t.allowed_statuses.empty())
                t.allowed_statuses.push_back("ACTIVE");
            for (auto p : seq(n, "properties")) {
                PropertyDef d{req(p, "id", "property"), req(p, "label", "property"),
                              req(p, "type", "property"), req(p, "validation", "property"),
                              std::nullopt, std::nullopt, opt(p, "pattern"), opt(p, "regEx"), nullptr};
                if (p["maxLength"])
                    d.max_length = p["maxLength"].as<int>();
                if (p["minLength"])
                    d.min_length = p["minLength"].as<int>();
                if (!d.reg_ex.empty()) {
                    try {
                        d.reg_ex_compiled = std::make_shared<const std::regex>(d.reg_ex);
                    } catch (const std::regex_error&) {
                        throw FixtureError("property " + d.id + " of " + t.name + ": invalid regEx");
                    }
                }
                t.properties.push_back(std::move(d));
            }
            for (auto b : seq(n, "infoblocks", false)) {
                InfoBlock ib{req(b, "header", "infoblock"), {}};
                for (auto para : seq(b, "paragraphs", false))
                    ib.paragraphs.push_back(para.Scalar());
                t.infoblocks.push_back(std::move(ib));
            }
            for (auto a : seq(n, "acknowledgements", false)) {
                AckDef d{opt(a, "vendor"), req(a, "id", "acknowledgement"),
                         req(a, "label", "acknowledgement"), req(a, "validation", "acknowledgement")};
                if (!d.vendor_id.empty())
                    check_ref(fx.vendors, d.vendor_id, "vendor", "acknowledgement " + d.id);
                t.acknowledgements.push_back(std::move(d));
            }
            std::string name = t.name;
            fx.transaction_types.emplace(std::move(name), std::move(t));
        }
        return fx;
    } catch (const YAML::Exception& e) {
        throw FixtureError(std::string("fixtures: ") + e.what());
    }
}

Fixtures load_fixtures(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw FixtureError("cannot read fixtures file " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    try {
        return parse_fixtures(text.str());
    } catch (const FixtureError& e) {
        throw FixtureError(path.string() + ": " + e.what());
    }
}

void add_generated_services(Fixtures& fx, std::size_t count)
{
    static constexpr std::array first{"Avery", "Jordan", "Morgan", "Riley", "Casey", "Quinn",
                                      "Taylor", "Reese", "Cameron", "Drew", "Hayden", "Parker"};
    static constexpr std::array last{"Holloway", "Prescott", "Langley", "Whitaker", "Ellison",
                                     "Marsh", "Bradford", "Sutton", "Kendall", "Harlow", "Calloway"};
    static constexpr std::array models{"iPhone 15 (128GB) - Black", "Galaxy S23 (256GB) - Cream",
                                       "Pixel 7 (128GB) - Obsidian", "iPhone 14 (128GB) - Blue"};
    static constexpr std::array makers{"Apple", "Samsung", "Google", "Apple"};
    std::vector<std::string> vendor_ids;
    for (auto& [id, v] : fx.vendors)
        vendor_ids.push_back(id);
    std::string department = fx.departments.empty() ? std::string{} : fx.departments.begin()->first;
    std::string region = fx.regions.empty() ? std::string{} : fx.regions.begin()->first;
    std::unordered_set<std::string> numbers;
    for (auto& [id, s] : fx.services)
        numbers.insert(s.service_number);
    std::size_t next_number = 0;
    for (std::size_t i = 0; i < count; ++i) {
        std::string n = std::to_string(i + 1);
        std::string fn = first[i % first.size()];
        std::string ln = std::string(last[(i / first.size()) % last.size()]) + n;
        Employee e{std::to_string(80000001 + i), "G" + std::to_string(500000 + i), fn, ln,
                   [&] {
                       std::string s = fn + "." + ln + "@acme-corp.example";
                       for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
                       return s;
                   }(),
                   "", "ACTIVE", department};
        std::string maker = makers[i % makers.size()];
        if (!fx.manufacturers.count(maker))
            fx.manufacturers.emplace(maker, Named{maker, maker, ""});
        Device d{std::to_string(70000001 + i), "GSM", "", maker, models[i % models.size()], "IMEI",
                 std::to_string(350000000000000ULL + i), ""};
        // 10-digit numbers 2xx-7xx, exchange 555, never colliding between services.
        char number[16];
        do {
            std::snprintf(number, sizeof number, "%03zu555%04zu", 200 + (next_number / 10000) % 800,
                          next_number % 10000);
            ++next_number;
        } while (!numbers.insert(number).second);
        ServiceAsset s{std::to_string(90000001 + i), number, "ACTIVE", e.id, d.id,
                       vendor_ids.empty() ? std::string{} : vendor_ids[i % vendor_ids.size()],
                       region, "Business Unlimited",
                       {"2024-01-15T00:00:00Z", "2026-01-15T00:00:00Z", "2024-01-15T00:00:00Z",
                        "2024-01-15T00:00:00Z"}};
        insert_unique(fx.employees, std::move(e), "employee");
        insert_unique(fx.devices, std::move(d), "device");
        fx.add_service(std::move(s));
    }
}

}  // namespace xferd::sim
