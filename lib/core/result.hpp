// Result<T>: a value or an error with context, returned across the library boundary
// instead of exceptions (dependencies' exceptions are caught at the module edge).
#pragma once

#include "core/severity.hpp"

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace nockit {

/// Why something could not be done. `message` is one line that names the input and the fix.
struct Error {
    std::string message;
    ExitCode code = ExitCode::unknown;
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}           // NOLINT(google-explicit-constructor)
    Result(Error error) : v_(std::move(error)) {}       // NOLINT(google-explicit-constructor)

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { assert(ok()); return std::get<0>(v_); }
    const T& value() const& { assert(ok()); return std::get<0>(v_); }
    T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { assert(!ok()); return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const { assert(!ok_); return error_; }

private:
    Error error_;
    bool ok_ = true;
};

/// An error that means "could not test" (exit 3).
inline Error unknown_error(std::string message) { return Error{std::move(message), ExitCode::unknown}; }

}  // namespace nockit
