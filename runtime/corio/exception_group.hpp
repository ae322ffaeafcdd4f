// ExceptionGroup: several failures reported as one (Python's ExceptionGroup),
// thrown by TaskGroup when one or more children failed. exceptions() lists
// each child's exception in the order the children failed; what() names
// them all.
#pragma once

#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "corio/errors.hpp"

namespace corio {

class ExceptionGroup : public Error {
public:
    ExceptionGroup(const std::string& message, std::vector<std::exception_ptr> exceptions)
        : Error(describe_all(message, exceptions)), exceptions_(std::move(exceptions)) {}

    const std::vector<std::exception_ptr>& exceptions() const noexcept { return exceptions_; }

private:
    static std::string describe_all(const std::string& message, const std::vector<std::exception_ptr>& errors) {
        std::string text = message + " (" + std::to_string(errors.size()) + " sub-exception" +
                           (errors.size() == 1 ? "" : "s") + ")";
        for (const auto& e : errors) text += "\n  - " + describe(e);
        return text;
    }

    std::vector<std::exception_ptr> exceptions_;
};

}  // namespace corio
