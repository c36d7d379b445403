// Result<T, E>: the value of an operation that can fail in an expected way.
//
// Expected failures (a stale sequence, a newer database, a bad payload) are values, not
// exceptions; library exceptions are caught at one boundary per layer and turned into an E.
// This is a small stand-in for C++23's std::expected and is used everywhere in Spool.
#pragma once

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace spool {

// Wraps an error so that Result<T, E> can be built from it even when T and E convert into
// each other. Prefer returning a plain E; use fail() where that is ambiguous.
template <typename E>
struct Failure {
  E error;
};
template <typename E>
Failure<std::decay_t<E>> fail(E&& e) {
  return {std::forward<E>(e)};
}

template <typename T, typename E>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<T, E>, "Result needs distinct value and error types");

 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit on purpose
  Result(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  Result(Failure<E> f) : v_(std::in_place_index<1>, std::move(f.error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok().
  T& value() & { return assert(ok()), std::get<0>(v_); }
  const T& value() const& { return assert(ok()), std::get<0>(v_); }
  T&& value() && { return assert(ok()), std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !ok().
  E& error() & { return assert(!ok()), std::get<1>(v_); }
  const E& error() const& { return assert(!ok()), std::get<1>(v_); }
  E&& error() && { return assert(!ok()), std::get<1>(std::move(v_)); }

 private:
  std::variant<T, E> v_;
};

// Result<void, E>: success carries nothing.
template <typename E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(E error) : error_(std::move(error)) {}  // NOLINT: implicit on purpose
  Result(Failure<E> f) : error_(std::move(f.error)) {}  // NOLINT

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const E& error() const& { return assert(!ok()), *error_; }
  E&& error() && { return assert(!ok()), std::move(*error_); }

 private:
  std::optional<E> error_;
};

}  // namespace spool
