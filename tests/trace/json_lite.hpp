// A strict little JSON parser for the corio-trace tests: parses a whole
// document (RFC 8259 grammar, UTF-8 checked loosely) into a tree, or throws
// with the byte offset of the first error, so the Chrome output can be both
// validated and inspected without a JSON library.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace corio::trace_test {

struct Json {
    enum class Type { null, boolean, number, string, array, object } type = Type::null;
    bool boolean = false;
    double number = 0;
    std::string string;
    std::vector<Json> array;
    std::map<std::string, Json> object;

    const Json* get(const std::string& key) const {
        auto it = object.find(key);
        return it == object.end() ? nullptr : &it->second;
    }
    std::string str(const std::string& key) const {
        const Json* j = get(key);
        return j && j->type == Type::string ? j->string : std::string();
    }
    double num(const std::string& key) const {
        const Json* j = get(key);
        return j && j->type == Type::number ? j->number : -1;
    }
};

class JsonParser {
public:
    explicit JsonParser(std::string_view s) : s_(s) {}

    Json parse() {
        Json j = value(0);
        ws();
        if (i_ != s_.size()) fail("trailing characters");
        return j;
    }

private:
    [[noreturn]] void fail(const char* what) const {
        throw std::runtime_error(std::string("JSON error at byte ") + std::to_string(i_) + ": " + what);
    }
    void ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
    }
    char peek() {
        ws();
        if (i_ >= s_.size()) fail("unexpected end");
        return s_[i_];
    }
    void expect(char c) {
        if (peek() != c) fail("unexpected character");
        ++i_;
    }
    void literal(std::string_view word) {
        if (s_.substr(i_, word.size()) != word) fail("bad literal");
        i_ += word.size();
    }

    Json value(int depth) {
        if (depth > 64) fail("nested too deep");
        Json j;
        const char c = peek();
        if (c == '{') {
            j.type = Json::Type::object;
            ++i_;
            if (peek() == '}') return ++i_, j;
            for (;;) {
                if (peek() != '"') fail("object key must be a string");
                std::string key = string();
                expect(':');
                j.object[key] = value(depth + 1);
                if (peek() == ',') { ++i_; continue; }
                expect('}');
                return j;
            }
        }
        if (c == '[') {
            j.type = Json::Type::array;
            ++i_;
            if (peek() == ']') return ++i_, j;
            for (;;) {
                j.array.push_back(value(depth + 1));
                if (peek() == ',') { ++i_; continue; }
                expect(']');
                return j;
            }
        }
        if (c == '"') {
            j.type = Json::Type::string;
            j.string = string();
            return j;
        }
        if (c == 't') return literal("true"), j.type = Json::Type::boolean, j.boolean = true, j;
        if (c == 'f') return literal("false"), j.type = Json::Type::boolean, j;
        if (c == 'n') return literal("null"), j;
        return number();
    }

    std::string string() {
        ++i_;  // opening quote
        std::string out;
        while (true) {
            if (i_ >= s_.size()) fail("unterminated string");
            const auto c = static_cast<unsigned char>(s_[i_++]);
            if (c == '"') return out;
            if (c < 0x20) fail("control character in string");
            if (c != '\\') {
                out += static_cast<char>(c);
                continue;
            }
            if (i_ >= s_.size()) fail("unterminated escape");
            const char e = s_[i_++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                if (i_ + 4 > s_.size()) fail("short \\u escape");
                unsigned v = 0;
                for (int k = 0; k < 4; ++k) {
                    const char h = s_[i_++];
                    v <<= 4;
                    if (h >= '0' && h <= '9') v |= unsigned(h - '0');
                    else if (h >= 'a' && h <= 'f') v |= unsigned(h - 'a' + 10);
                    else if (h >= 'A' && h <= 'F') v |= unsigned(h - 'A' + 10);
                    else fail("bad hex digit");
                }
                out += v < 0x80 ? static_cast<char>(v) : '?';
                break;
            }
            default: fail("bad escape");
            }
        }
    }

    Json number() {
        const std::size_t start = i_;
        if (i_ < s_.size() && s_[i_] == '-') ++i_;
        auto digits = [&] {
            const std::size_t d = i_;
            while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
            if (i_ == d) fail("digit expected");
        };
        if (i_ < s_.size() && s_[i_] == '0') ++i_;
        else digits();
        if (i_ < s_.size() && s_[i_] == '.') ++i_, digits();
        if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
            ++i_;
            if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
            digits();
        }
        Json j;
        j.type = Json::Type::number;
        j.number = std::stod(std::string(s_.substr(start, i_ - start)));
        return j;
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

}  // namespace corio::trace_test
