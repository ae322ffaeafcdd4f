// Text for the reports: durations for people, spawn-site labels, and string
// escaping for JSON, XML and terminals. Names in a trace are untrusted bytes:
// every function here emits valid UTF-8 (bad bytes become U+FFFD) and never
// lets a control character through unescaped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "reader.hpp"

namespace corio::trace_tool {

// "812 ns", "1.50 µs", "12.3 ms", "1.23 s".
std::string duration_text(std::uint64_t ns);

// "file:line in function [name]" (the function that made the spawn call), or
// "unknown site" for site 0 and ids with no site record.
std::string site_label(const Trace& trace, std::uint32_t site);
// Short form for slices: the task's name if it has one, else
// "file.cpp:line in function" with directories, return type and parameters cut.
std::string site_short_label(const Trace& trace, std::uint32_t site);
std::string short_function(std::string_view function);
// GCC names a coroutine's body "void ns::f(ns::f(int)::_Z...Frame*)" (the
// actor function): this gives back "ns::f(int)". Other names pass unchanged.
std::string tidy_function(std::string_view function);

// Appends s as a quoted JSON string.
void append_json_string(std::string& out, std::string_view s);
// Appends s escaped for XML text and attribute values.
void append_xml_text(std::string& out, std::string_view s);
// s with control characters replaced by '?', for a terminal.
std::string printable(std::string_view s);

}  // namespace corio::trace_tool
