#include "xferd/core/xml_stream.hpp"

#include <expat.h>

#include <climits>
#include <cstring>

namespace xferd {

namespace {

// Namespace-aware parsing gives "uri|local"; the local name is what the parts are read by.
constexpr char ns_separator = '|';

std::string_view local_name(const char* name)
{
    std::string_view n(name);
    const auto bar = n.rfind(ns_separator);
    return bar == std::string_view::npos ? n : n.substr(bar + 1);
}

}  // namespace

std::optional<std::string_view> XmlAttributes::get(std::string_view name) const
{
    for (const char** a = raw_; a && a[0]; a += 2) {
        if (local_name(a[0]) == name) return std::string_view(a[1]);
    }
    return std::nullopt;
}

struct XmlStream::Parser {
    XML_Parser p = nullptr;
    ~Parser()
    {
        if (p) XML_ParserFree(p);
    }
};

XmlStream::XmlStream(XmlHandler& handler) : parser_(std::make_unique<Parser>()), handler_(handler)
{
    XML_Parser p = XML_ParserCreateNS(nullptr, ns_separator);
    parser_->p = p;
    if (!p) {
        error_ = "out of memory starting the XML parser";
        return;
    }
    XML_SetUserData(p, this);
    XML_SetElementHandler(
        p,
        [](void* self, const XML_Char* name, const XML_Char** atts) {
            auto* s = static_cast<XmlStream*>(self);
            s->handler_.start(local_name(name), XmlAttributes(atts));
        },
        [](void* self, const XML_Char* name) {
            static_cast<XmlStream*>(self)->handler_.end(local_name(name));
        });
    XML_SetCharacterDataHandler(p, [](void* self, const XML_Char* data, int len) {
        static_cast<XmlStream*>(self)->handler_.text(std::string_view(data, static_cast<std::size_t>(len)));
    });
    XML_SetStartDoctypeDeclHandler(p, [](void* self, const XML_Char*, const XML_Char*, const XML_Char*, int) {
        auto* s = static_cast<XmlStream*>(self);
        s->stop("XML with a DOCTYPE, which no spreadsheet part has");
        s->malformed_ = true;
    });
}

XmlStream::~XmlStream() = default;

bool XmlStream::parse(const char* data, std::size_t size, bool final)
{
    if (error_) return false;
    do {
        // expat takes an int length: feed a huge chunk in pieces.
        const std::size_t n = size > INT_MAX / 2 ? INT_MAX / 2 : size;
        const bool last = final && n == size;
        if (XML_Parse(parser_->p, data, static_cast<int>(n), last ? XML_TRUE : XML_FALSE) != XML_STATUS_OK) {
            if (!error_) {
                malformed_ = true;
                error_ = std::string("not well-formed XML (") +
                         XML_ErrorString(XML_GetErrorCode(parser_->p)) + " at line " + std::to_string(line()) + ")";
            }
            return false;
        }
        data += n;
        size -= n;
    } while (size > 0);
    return !error_;
}

bool XmlStream::feed(std::string_view chunk) { return parse(chunk.data(), chunk.size(), false); }

bool XmlStream::finish() { return parse("", 0, true); }

void XmlStream::stop(std::string message)
{
    if (!error_) error_ = std::move(message);
    XML_StopParser(parser_->p, XML_FALSE);
}

std::uint64_t XmlStream::line() const { return XML_GetCurrentLineNumber(parser_->p); }

}  // namespace xferd
