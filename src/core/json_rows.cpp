#include "xferd/core/json_rows.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <array>
#include <set>
#include <string>
#include <utility>

namespace xferd {

namespace json = boost::json;

namespace {

constexpr std::string_view transaction_type = "XFER_SERVICE_OUT";

std::string_view kind_name(const json::value& v)
{
    switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "true/false";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
    }
    return "a value";
}

// Text of a string member; integers are taken too (a generator that wrote serviceId as a number).
std::optional<std::string> text_of(const json::value& v)
{
    if (v.is_string()) {
        return std::string(v.get_string());
    }
    if (v.is_int64()) {
        return std::to_string(v.get_int64());
    }
    if (v.is_uint64()) {
        return std::to_string(v.get_uint64());
    }
    return std::nullopt;
}

// The column a problem at `path` is reported under, named as the fields are: the top-level
// member ("serviceId"), "properties.ID" inside a property field, or "" for the item itself.
std::string column_at(const json::value& item, const std::vector<JsonStep>& path)
{
    std::size_t i = 0;
    const json::value* v = &item;
    if (const auto* o = item.if_object(); o && !path.empty() && !path[0].is_index &&
                                          path[0].key == "orderRequest") {
        v = o->if_contains("orderRequest");
        i = 1;
    }
    if (i >= path.size() || path[i].is_index) {
        return "";
    }
    if (path[i].key != "properties") {
        return path[i].key;
    }
    // properties[g].fields[f]: named by that field's id.
    if (path.size() < i + 4 || !path[i + 1].is_index || path[i + 2].key != "fields" ||
        !path[i + 3].is_index || v == nullptr || !v->is_object()) {
        return "properties";
    }
    const auto* groups = v->get_object().if_contains("properties");
    const auto* group = groups && groups->is_array() && path[i + 1].index < groups->get_array().size()
                            ? &groups->get_array()[path[i + 1].index]
                            : nullptr;
    const auto* fields = group && group->is_object() ? group->get_object().if_contains("fields") : nullptr;
    const auto* field = fields && fields->is_array() && path[i + 3].index < fields->get_array().size()
                            ? &fields->get_array()[path[i + 3].index]
                            : nullptr;
    const auto* id = field && field->is_object() ? field->get_object().if_contains("id") : nullptr;
    if (id == nullptr || !id->is_string() || id->get_string().empty()) {
        return "properties";
    }
    return "properties." + std::string(id->get_string());
}

// What the stream noted while reading the item, as errors of its row.
void add_problems(RawRow& raw, const JsonItem& item, std::string_view what, const BatchLimits& limits)
{
    for (const auto& p : item.problems) {
        switch (p.kind) {
        case JsonProblem::Kind::string_too_long:
            raw.errors.push_back({column_at(item.value, p.path),
                                  value_too_long_message(limits.max_field_bytes, p.text)});
            break;
        case JsonProblem::Kind::key_too_long:
            raw.errors.push_back(
                {column_at(item.value, p.path),
                 "a key starting '" + p.text + "…' is longer than " + size_text(limits.max_field_bytes) +
                     ", the limit limits.max_field_bytes: a key is a member name such as "
                     "\"serviceId\"; check " + std::string(what) + " of the file"});
            break;
        case JsonProblem::Kind::duplicate_key: {
            auto path = p.path;
            path.push_back(JsonStep{p.text, 0, false});
            raw.errors.push_back({column_at(item.value, path), "key '" + p.text + "' appears twice in " +
                                                                   std::string(what) + "; keep one"});
            break;
        }
        case JsonProblem::Kind::item_too_large:
            raw.errors.push_back(
                {"", row_too_long_message(what, limits.max_row_bytes,
                                          "an orderRequest is a few hundred bytes; check " +
                                              std::string(what) + " of the file")});
            raw.skip_field_checks = true;
            break;
        }
    }
}

class RowBuilder {
public:
    RowBuilder(RawRow& raw, std::string_view what) : raw_(raw), what_(what) {}

    void error(std::string column, std::string message)
    {
        raw_.errors.push_back({std::move(column), std::move(message)});
    }

    void member(const json::object& req, std::string_view key, RawField& field)
    {
        field.column = std::string(key);
        const auto* v = req.if_contains(key);
        if (v == nullptr || v->is_null()) {
            return;
        }
        field.present = true;
        if (auto t = text_of(*v)) {
            field.value = std::move(*t);
        } else {
            error(std::string(key), std::string("must be a string, not ") +
                                        std::string(kind_name(*v)));
        }
    }

    void properties(const json::value& props)
    {
        if (!props.is_array()) {
            error("properties", "must be an array of {\"groupId\", \"fields\": […]}, not " +
                                    std::string(kind_name(props)));
            return;
        }
        for (const auto& group : props.get_array()) {
            const auto* g = group.if_object();
            const auto* fields = g ? g->if_contains("fields") : nullptr;
            if (fields == nullptr || !fields->is_array()) {
                error("properties", "each entry must be an object {\"groupId\": \"MISCELLANEOUS\", "
                                    "\"fields\": […]}");
                continue;
            }
            std::string group_id;
            if (const auto* gid = g->if_contains("groupId"); gid && gid->is_string()) {
                group_id = std::string(gid->get_string());
            }
            for (const auto& f : fields->get_array()) {
                property(group_id, f);
            }
        }
    }

private:
    RawField* canonical(std::string_view id)
    {
        if (id == "SERVICE_NUMBER") return &raw_.service_number;
        if (id == "CONTACT_NUMBER") return &raw_.contact_number;
        if (id == "PERSONAL_EMAIL") return &raw_.personal_email;
        if (id == "ADDITIONAL_INSTRUCTIONS") return &raw_.additional_instructions;
        return nullptr;
    }

    void property(const std::string& group_id, const json::value& f)
    {
        const auto* o = f.if_object();
        const auto* id = o ? o->if_contains("id") : nullptr;
        if (id == nullptr || !id->is_string()) {
            error("properties", "each field must be an object with a string \"id\", e.g. "
                                "{\"id\": \"CONTACT_NUMBER\", \"type\": \"TEXT\", \"text\": \"…\"}");
            return;
        }
        const std::string name(id->get_string());
        const std::string column = "properties." + name;
        if (const auto* type = o->if_contains("type");
            type && !(type->is_string() && type->get_string() == "TEXT")) {
            error(column, "has type " +
                              (type->is_string() ? std::string(type->get_string())
                                                 : std::string(kind_name(*type))) +
                              "; xferd sends TEXT properties only: use \"type\": \"TEXT\" with a "
                              "\"text\" value");
            return;
        }
        std::optional<std::string> text;
        if (const auto* t = o->if_contains("text"); t && !t->is_null()) {
            text = text_of(*t);
            if (!text) {
                error(column, "\"text\" must be a string, not " + std::string(kind_name(*t)));
                return;
            }
        }
        const std::string twice = "field id '" + name + "' appears twice in the properties of " +
                                  std::string(what_) + "; keep one";
        if (RawField* field = canonical(name)) {
            if (field->present) {
                error(column, twice);
                return;
            }
            field->present = true;
            field->value = text.value_or("");
            return;
        }
        if (!ids_.insert(group_id + "." + name).second) {
            error(column, twice);
            return;
        }
        const std::string full = text.value_or("");
        const std::string_view value = trim_value(full);
        if (value.empty()) {
            return;  // like an empty GROUP.FIELD cell: nothing to send
        }
        if (group_id.empty()) {
            error(column, "its group has no \"groupId\"; add \"groupId\": \"MISCELLANEOUS\"");
            return;
        }
        raw_.extra_properties.push_back({group_id, name, std::string(value)});
    }

    RawRow& raw_;
    std::string_view what_;
    std::set<std::string> ids_;  // GROUP.ID of the other properties seen
};

}  // namespace

RawRow raw_row_from_json(const JsonItem& item, std::string_view what, const BatchLimits& limits)
{
    const json::value& element = item.value;
    RawRow raw;
    raw.row = item.index;
    raw.external_order_number.column = "externalOrderNumber";
    raw.service_id.column = "serviceId";
    raw.service_number.column = "properties.SERVICE_NUMBER";
    raw.contact_number.column = "properties.CONTACT_NUMBER";
    raw.personal_email.column = "properties.PERSONAL_EMAIL";
    raw.additional_instructions.column = "properties.ADDITIONAL_INSTRUCTIONS";
    raw.employee_email.column = "employeeEmail";
    raw.employee_id.column = "employeeId";

    add_problems(raw, item, what, limits);
    if (raw.skip_field_checks) {
        return raw;  // the item was not read
    }
    RowBuilder b(raw, what);
    const json::object* req = element.if_object();
    if (req == nullptr) {
        b.error("", "the row is " + std::string(kind_name(element)) +
                        ", not an orderRequest object {\"externalOrderNumber\": …, \"serviceId\": "
                        "…, \"properties\": […]}");
        raw.skip_field_checks = true;
        return raw;
    }
    if (const auto* wrapped = req->if_contains("orderRequest")) {
        if (!wrapped->is_object()) {
            b.error("orderRequest", "must be an object, not " + std::string(kind_name(*wrapped)));
            raw.skip_field_checks = true;
            return raw;
        }
        req = &wrapped->get_object();
    }

    b.member(*req, "externalOrderNumber", raw.external_order_number);
    b.member(*req, "serviceId", raw.service_id);
    b.member(*req, "employeeEmail", raw.employee_email);
    b.member(*req, "employeeId", raw.employee_id);
    if (const auto* tt = req->if_contains("transactionType"); tt && !tt->is_null()) {
        if (!(tt->is_string() && tt->get_string() == transaction_type)) {
            b.error("transactionType",
                    "is " + (tt->is_string() ? "'" + std::string(tt->get_string()) + "'"
                                             : std::string(kind_name(*tt))) +
                        "; xferd places XFER_SERVICE_OUT orders only: set it to "
                        "\"XFER_SERVICE_OUT\" or leave it out");
        }
    }
    if (const auto* props = req->if_contains("properties"); props && !props->is_null()) {
        b.properties(*props);
    }
    return raw;
}

}  // namespace xferd
