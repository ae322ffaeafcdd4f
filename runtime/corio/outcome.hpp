// Outcome<T>: a finished awaitable's value or its exception, for the calls
// that report failures as data instead of throwing them (gather with
// return_exceptions, as asyncio's return_exceptions=True). Outcome<void>
// holds std::monostate as its value. A cancelled child holds CancelledError.
#pragma once

#include <exception>
#include <type_traits>
#include <utility>
#include <variant>

namespace corio {

// What a void result becomes where a value is needed (a tuple or vector slot).
template <class T>
using value_or_monostate_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

template <class T>
class Outcome {
public:
    using value_type = value_or_monostate_t<T>;

    explicit Outcome(value_type value) : data_(std::in_place_index<0>, std::move(value)) {}
    explicit Outcome(std::exception_ptr error) : data_(std::in_place_index<1>, std::move(error)) {}

    bool has_value() const noexcept { return data_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    // The value, or rethrows the exception.
    value_type& value() & {
        if (!has_value()) std::rethrow_exception(std::get<1>(data_));
        return std::get<0>(data_);
    }
    const value_type& value() const& {
        if (!has_value()) std::rethrow_exception(std::get<1>(data_));
        return std::get<0>(data_);
    }
    value_type&& value() && { return std::move(value()); }

    // The exception, or null when there is a value.
    std::exception_ptr error() const noexcept { return has_value() ? nullptr : std::get<1>(data_); }

private:
    std::variant<value_type, std::exception_ptr> data_;
};

}  // namespace corio
