// The simulator's data: tenant, credentials, employees, devices, vendors, service assets and the
// order properties per transaction type, loaded from YAML (samples/sim/fixtures.yaml).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace xferd::sim {

struct FixtureError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Client {
    std::string id;
    std::string secret;
};

struct User {
    std::string username;  // with its source-system prefix, e.g. command://svc-offboarding
    std::string password;
    std::string employee_id;
};

struct Named {
    std::string id;
    std::string name;
    std::string logo_url;  // manufacturers and vendors only
};

struct Employee {
    std::string id;
    std::string company_employee_id;
    std::string first_name;
    std::string last_name;
    std::string email;
    std::string office_phone;
    std::string status;
    std::string department_id;
};

struct Device {
    std::string id;
    std::string access_method;
    std::string mac_address;
    std::string manufacturer_id;
    std::string model;
    std::string serial_type;
    std::string serial_value;
    std::string sim_id;
};

struct ContractDates {
    std::string start;
    std::string end;
    std::string activated;
    std::string last_device_upgrade;
};

struct ServiceAsset {
    std::string id;
    std::string service_number;
    std::string status;
    std::string employee_id;
    std::string device_id;
    std::string vendor_id;
    std::string region_id;
    std::string plan;
    ContractDates contract_dates;
};

struct PropertyDef {
    std::string id;
    std::string label;
    std::string type;        // TEXT, DATE, CHOICE
    std::string validation;  // REQUIRED, OPTIONAL
    std::optional<int> max_length;
    std::optional<int> min_length;
    std::string pattern;
    std::string reg_ex;
    std::shared_ptr<const std::regex> reg_ex_compiled;  // set when reg_ex is not empty
    bool required() const { return validation == "REQUIRED"; }
};

struct AckDef {
    std::string vendor_id;  // empty: every vendor
    std::string id;
    std::string label;
    std::string validation;
};

struct InfoBlock {
    std::string header;
    std::vector<std::string> paragraphs;
};

struct TransactionTypeDef {
    std::string name;
    std::vector<std::string> allowed_statuses;  // service statuses the order may be placed on
    std::vector<PropertyDef> properties;
    std::vector<InfoBlock> infoblocks;
    std::vector<AckDef> acknowledgements;
    const PropertyDef* find_property(std::string_view id) const;
};

template <class T>
using ById = std::map<std::string, T, std::less<>>;

struct Fixtures {
    std::string tenant;
    std::vector<Client> clients;
    std::vector<User> users;
    ById<Named> regions;
    ById<Named> departments;
    ById<Named> manufacturers;
    ById<Named> vendors;
    ById<Employee> employees;
    ById<Device> devices;
    ById<ServiceAsset> services;
    std::vector<std::string> service_order;  // listing order of /assets/services
    ById<TransactionTypeDef> transaction_types;

    const Client* find_client(std::string_view id) const;
    const User* find_user(std::string_view username) const;
    const Employee* find_employee(std::string_view id) const;
    const Employee* find_employee_by_company_id(std::string_view company_id) const;
    const ServiceAsset* find_service(std::string_view id) const;
    const TransactionTypeDef* find_transaction_type(std::string_view name) const;
    // Adds a service asset (and nothing else); keeps the listing order.
    void add_service(ServiceAsset service);
};

// Parses fixture YAML; every reference (employee, device, vendor, region, department,
// manufacturer) must resolve. Throws FixtureError naming the entry at fault.
Fixtures parse_fixtures(std::string_view yaml_text);
Fixtures load_fixtures(const std::filesystem::path& path);

// Adds `count` synthetic ACTIVE services, each with its own employee, device and number.
// Service ids 90000001 upward, employees 80000001 upward, devices 70000001 upward.
void add_generated_services(Fixtures& fixtures, std::size_t count);

}  // namespace xferd::sim
