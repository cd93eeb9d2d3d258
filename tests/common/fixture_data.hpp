// The simulator's fixture services, read from samples/sim/fixtures.yaml, so tests build batches
// from real fixture data instead of copying numbers (tests only).
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <vector>

namespace xferd::test {

struct FixtureService {
    std::string id;
    std::string number;
    std::string status;
    std::string employee_email;
    std::string employee_company_id;
};

inline std::vector<FixtureService> fixture_services(const std::string& fixtures_file)
{
    YAML::Node root = YAML::LoadFile(fixtures_file);
    std::map<std::string, std::pair<std::string, std::string>> employees;
    for (const auto& e : root["employees"])
        employees[e["id"].as<std::string>()] = {e["email"].as<std::string>(), e["companyEmployeeId"].as<std::string>()};
    std::vector<FixtureService> out;
    for (const auto& s : root["services"]) {
        FixtureService f;
        f.id = s["id"].as<std::string>();
        f.number = s["serviceNumber"].as<std::string>();
        f.status = s["status"].as<std::string>();
        auto& emp = employees[s["employee"].as<std::string>()];
        f.employee_email = emp.first;
        f.employee_company_id = emp.second;
        out.push_back(f);
    }
    return out;
}

}  // namespace xferd::test
