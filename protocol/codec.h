// JSON encoding and strict decoding of every reflected protocol type.
//
// encode() writes every field (optional ones as null). decode() is strict about types,
// ignores unknown fields, accepts optional fields missing or null, and reports the first
// problem as a DecodeError whose path names the bad field ("input[0].type") and whose
// message says what was expected; that text becomes the -32602 message on the wire.
#pragma once

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/result.h"
#include "protocol/reflect.h"

namespace spool::protocol {

// Why a JSON value does not decode as the expected type.
struct DecodeError {
  std::string path;      // "input[0].type"; empty for the value itself
  std::string expected;  // "expected one of \"text\", \"image\"; got \"video\""
  // "input[0].type: expected ..." (or just `expected` at the root), prefixed with `root`
  // when given: "params.input[0].type: ...".
  std::string message(std::string_view root = "") const;
};

// Thrown by decode() internally and by from_json(); decode_value() catches it.
class DecodeException : public std::runtime_error {
 public:
  explicit DecodeException(DecodeError e);
  const DecodeError& error() const { return error_; }

 private:
  DecodeError error_;
};

// A short description of a JSON value for error messages: `"video"`, `42`, `an object`.
std::string describe_json(const nlohmann::json& j);

namespace detail {

// The path of the value being decoded; segments are pushed and popped around each field.
class Path {
 public:
  void push_field(std::string_view name);
  void push_index(std::size_t i);
  // Appends a path reported from inside a nested decode ("payload.cwd", "[0].x").
  void push_path(std::string_view inner);
  void pop(std::size_t old_size) { text_.resize(old_size); }
  std::size_t size() const { return text_.size(); }
  [[noreturn]] void fail(std::string expected) const;

 private:
  std::string text_;
};

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <class T>
struct IsVector : std::false_type {};
template <class T, class A>
struct IsVector<std::vector<T, A>> : std::true_type {};
template <class T>
struct IsStringMap : std::false_type {};
template <class T, class C, class A>
struct IsStringMap<std::map<std::string, T, C, A>> : std::true_type {};

template <class T>
struct IsDefaulted : std::false_type {};
template <class T>
struct IsDefaulted<Defaulted<T>> : std::true_type {};

template <class T>
inline constexpr bool kIsInteger =
    std::is_integral_v<T> && !std::is_same_v<T, bool>;

}  // namespace detail

template <class T>
void encode(nlohmann::json& j, const T& v);
template <class T>
void decode(const nlohmann::json& j, T& out, detail::Path& path);

// --- encode ----------------------------------------------------------------------------------

template <class T>
void encode(nlohmann::json& j, const T& v) {
  if constexpr (std::is_same_v<T, nlohmann::json>) {
    j = v;
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool> ||
                       detail::kIsInteger<T> || std::is_floating_point_v<T>) {
    j = v;
  } else if constexpr (detail::IsDefaulted<T>::value) {
    encode(j, v.value);
  } else if constexpr (detail::IsOptional<T>::value) {
    if (v) {
      encode(j, *v);
    } else {
      j = nullptr;
    }
  } else if constexpr (detail::IsVector<T>::value) {
    j = nlohmann::json::array();
    for (const auto& e : v) encode(j.emplace_back(), e);
  } else if constexpr (detail::IsStringMap<T>::value) {
    j = nlohmann::json::object();
    for (const auto& [k, e] : v) encode(j[k], e);
  } else if constexpr (std::is_same_v<T, RawVariant>) {
    j = v.raw;
  } else if constexpr (ReflectedStruct<T>) {
    constexpr auto meta = meta_of<T>();
    j = nlohmann::json::object();
    if constexpr (!meta.tag.empty()) j["type"] = std::string(meta.tag);
    std::apply([&](const auto&... f) { (encode(j[std::string(f.name)], v.*(f.member)), ...); },
               meta.fields);
  } else if constexpr (ReflectedEnum<T>) {
    constexpr auto meta = meta_of<T>();
    for (const auto& e : meta.entries) {
      if (e.value == v) {
        j = std::string(e.wire);
        return;
      }
    }
    j = nullptr;  // not a declared value: a bug in the caller
  } else if constexpr (ReflectedUnion<T>) {
    std::visit([&](const auto& alt) { encode(j, alt); }, static_cast<const typename T::variant&>(v));
  } else if constexpr (ReflectedCustom<T>) {
    to_json(j, v);
  } else {
    static_assert(sizeof(T) == 0, "not a protocol type: declare it with SPOOL_STRUCT & co.");
  }
}

// --- decode ----------------------------------------------------------------------------------

namespace detail {

template <class T>
void decode_integer(const nlohmann::json& j, T& out, Path& path) {
  if (!j.is_number_integer()) {
    path.fail(fmt::format("expected an integer, got {}", describe_json(j)));
  }
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
      path.fail(fmt::format("integer {} is out of range", u));
    out = static_cast<T>(u);
    return;
  }
  const auto s = j.get<std::int64_t>();
  if constexpr (std::is_unsigned_v<T>) {
    if (s < 0) path.fail(fmt::format("expected a non-negative integer, got {}", s));
    if (static_cast<std::uint64_t>(s) > std::numeric_limits<T>::max())
      path.fail(fmt::format("integer {} is out of range", s));
  } else {
    if (s < std::numeric_limits<T>::min() || s > std::numeric_limits<T>::max())
      path.fail(fmt::format("integer {} is out of range", s));
  }
  out = static_cast<T>(s);
}

template <class T, std::size_t I = 0>
bool decode_alternative(const nlohmann::json& j, std::string_view tag, T& out, Path& path) {
  using V = typename T::variant;
  if constexpr (I == std::variant_size_v<V>) {
    return false;
  } else {
    using Alt = std::variant_alternative_t<I, V>;
    if constexpr (ReflectedStruct<Alt>) {
      if (meta_of<Alt>().tag == tag) {
        Alt alt{};
        decode(j, alt, path);
        out = T(std::move(alt));
        return true;
      }
    }
    return decode_alternative<T, I + 1>(j, tag, out, path);
  }
}

template <class T, std::size_t I = 0>
void append_tags(std::string& out) {
  using V = typename T::variant;
  if constexpr (I < std::variant_size_v<V>) {
    using Alt = std::variant_alternative_t<I, V>;
    if constexpr (ReflectedStruct<Alt>) {
      if (!out.empty()) out += ", ";
      out += fmt::format("\"{}\"", meta_of<Alt>().tag);
    }
    append_tags<T, I + 1>(out);
  }
}

template <class S, class F>
void decode_field(const nlohmann::json& obj, S& out, const F& f, Path& path) {
  using M = std::remove_reference_t<decltype(out.*(f.member))>;
  const auto it = obj.find(f.name);
  const std::size_t mark = path.size();
  path.push_field(f.name);
  if (it == obj.end()) {
    if constexpr (IsOptional<M>::value) {
      (out.*(f.member)).reset();
    } else if constexpr (IsDefaulted<M>::value) {
      out.*(f.member) = M{};
    } else {
      path.fail("missing required field");
    }
  } else {
    decode(*it, out.*(f.member), path);
  }
  path.pop(mark);
}

}  // namespace detail

template <class T>
void decode(const nlohmann::json& j, T& out, detail::Path& path) {
  if constexpr (std::is_same_v<T, nlohmann::json>) {
    out = j;
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!j.is_string()) path.fail(fmt::format("expected a string, got {}", describe_json(j)));
    out = j.get_ref<const std::string&>();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean()) path.fail(fmt::format("expected a boolean, got {}", describe_json(j)));
    out = j.get<bool>();
  } else if constexpr (detail::kIsInteger<T>) {
    detail::decode_integer(j, out, path);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!j.is_number()) path.fail(fmt::format("expected a number, got {}", describe_json(j)));
    out = j.get<T>();
  } else if constexpr (detail::IsDefaulted<T>::value) {
    decode(j, out.value, path);
  } else if constexpr (detail::IsOptional<T>::value) {
    if (j.is_null()) {
      out.reset();
    } else {
      typename T::value_type v{};
      decode(j, v, path);
      out = std::move(v);
    }
  } else if constexpr (detail::IsVector<T>::value) {
    if (!j.is_array()) path.fail(fmt::format("expected an array, got {}", describe_json(j)));
    out.clear();
    out.reserve(j.size());
    for (std::size_t i = 0; i < j.size(); ++i) {
      const std::size_t mark = path.size();
      path.push_index(i);
      decode(j[i], out.emplace_back(), path);
      path.pop(mark);
    }
  } else if constexpr (detail::IsStringMap<T>::value) {
    if (!j.is_object()) path.fail(fmt::format("expected an object, got {}", describe_json(j)));
    out.clear();
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::size_t mark = path.size();
      path.push_field(it.key());
      decode(it.value(), out[it.key()], path);
      path.pop(mark);
    }
  } else if constexpr (ReflectedStruct<T>) {
    constexpr auto meta = meta_of<T>();
    if (!j.is_object()) path.fail(fmt::format("expected an object, got {}", describe_json(j)));
    if constexpr (!meta.tag.empty()) {
      const auto t = j.find("type");
      if (t != j.end() && !(t->is_string() && t->get_ref<const std::string&>() == meta.tag)) {
        const std::size_t mark = path.size();
        path.push_field("type");
        path.fail(fmt::format("expected \"{}\", got {}", meta.tag, describe_json(*t)));
        path.pop(mark);
      }
    }
    std::apply([&](const auto&... f) { (detail::decode_field(j, out, f, path), ...); },
               meta.fields);
  } else if constexpr (ReflectedEnum<T>) {
    constexpr auto meta = meta_of<T>();
    if (j.is_string()) {
      const auto& s = j.get_ref<const std::string&>();
      for (const auto& e : meta.entries) {
        const bool alias = std::any_of(e.aliases.begin(), e.aliases.end(),
                                       [&](std::string_view a) { return !a.empty() && a == s; });
        if (e.wire == s || alias) {
          out = e.value;
          return;
        }
      }
    }
    std::string allowed;
    for (const auto& e : meta.entries) {
      if (!allowed.empty()) allowed += ", ";
      allowed += fmt::format("\"{}\"", e.wire);
    }
    path.fail(fmt::format("expected one of {}; got {}", allowed, describe_json(j)));
  } else if constexpr (ReflectedUnion<T>) {
    constexpr auto meta = meta_of<T>();
    if (!j.is_object()) path.fail(fmt::format("expected an object, got {}", describe_json(j)));
    const auto t = j.find("type");
    if (t == j.end() || !t->is_string()) {
      const std::size_t mark = path.size();
      path.push_field("type");
      path.fail(t == j.end() ? std::string("missing required field")
                             : fmt::format("expected a string, got {}", describe_json(*t)));
      path.pop(mark);
    }
    const auto& tag = t->get_ref<const std::string&>();
    if (detail::decode_alternative(j, tag, out, path)) return;
    if constexpr (meta.open) {
      out = T(RawVariant{tag, j});
    } else {
      std::string allowed;
      detail::append_tags<T>(allowed);
      const std::size_t mark = path.size();
      path.push_field("type");
      path.fail(fmt::format("expected one of {}; got \"{}\"", allowed, tag));
      path.pop(mark);
    }
  } else if constexpr (ReflectedCustom<T>) {
    try {
      from_json(j, out);
    } catch (const DecodeException& e) {
      path.push_path(e.error().path);
      path.fail(e.error().expected);
    } catch (const nlohmann::json::exception& e) {
      path.fail(e.what());
    }
  } else {
    static_assert(sizeof(T) == 0, "not a protocol type: declare it with SPOOL_STRUCT & co.");
  }
}

// Decodes `j` as a T, or says why it is not one.
template <class T>
Result<T, DecodeError> decode_value(const nlohmann::json& j) {
  T out{};
  detail::Path path;
  try {
    decode(j, out, path);
  } catch (const DecodeException& e) {
    return e.error();
  }
  return out;
}

// For from_json: decodes or throws DecodeException.
template <class T>
void decode_or_throw(const nlohmann::json& j, T& out) {
  detail::Path path;
  decode(j, out, path);
}

template <class T>
nlohmann::json to_json_value(const T& v) {
  nlohmann::json j;
  encode(j, v);
  return j;
}

}  // namespace spool::protocol
