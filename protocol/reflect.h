// The one declaration of every wire type. A protocol type is a plain struct, enum or
// std::variant-derived union plus one SPOOL_* line that names its fields; the JSON codec
// (codec.h), the JSON Schema export and the TypeScript export all read that line, so the
// three cannot drift apart.
//
//   struct ClientInfo { std::string name; std::optional<std::string> title; std::string version; };
//   SPOOL_STRUCT(ClientInfo, "", name, title, version)
//
// Conventions every declaration follows (tests check them over the exported schema):
//  - member names are the wire names (camelCase for v2 types, snake_case for core events);
//  - std::optional<T> is written as null when absent and read from null or a missing field;
//    Defaulted<T> is always written and read from a missing field as its default (never
//    null); every other field is required on decode and always written;
//  - a union derives from std::variant<...> and each alternative is a struct declared with
//    SPOOL_TAGGED_STRUCT, whose tag is written as its "type" field;
//  - an open union (SPOOL_OPEN_UNION) ends with RawVariant and keeps unknown types whole.
//
// Namespaces: "" for the top-level types, "v2" for the v2 types (the exported schema puts
// them under #/definitions/v2/), "core" for Codex's own event and rollout types.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <variant>

#include "protocol/for_each.h"

namespace spool::protocol {

// A field of struct T whose member has type M.
template <class T, class M>
struct Field {
  std::string_view name;
  M T::*member;
};

template <class T, class... Fs>
struct StructMeta {
  std::string_view name;
  std::string_view ns;
  std::string_view tag;  // the "type" value when T is a union alternative, else empty
  std::tuple<Fs...> fields;
};

template <class T, class... Fs>
constexpr StructMeta<T, Fs...> make_struct_meta(std::string_view name, std::string_view ns,
                                                std::string_view tag, Fs... fields) {
  return {name, ns, tag, std::tuple<Fs...>{fields...}};
}

// One enum value: its wire spelling and up to three older spellings accepted on decode.
template <class E>
struct EnumEntry {
  E value;
  std::string_view wire;
  std::array<std::string_view, 3> aliases{};
};

template <class E, std::size_t N>
struct EnumMeta {
  std::string_view name;
  std::string_view ns;
  std::array<EnumEntry<E>, N> entries;
};

template <class E, class... Entries>
constexpr EnumMeta<E, sizeof...(Entries)> make_enum_meta(std::string_view name,
                                                         std::string_view ns,
                                                         Entries... entries) {
  return {name, ns, {EnumEntry<E>(entries)...}};
}

// A field that clients may leave out but that is never null (Codex's serde(default)):
// decoding a missing field leaves `value` at its default; it is always written; the schema
// does not require it, and TypeScript declares it `name?: T`.
template <class T>
struct Defaulted {
  T value{};
  Defaulted() = default;
  Defaulted(T v) : value(std::move(v)) {}  // NOLINT: implicit on purpose
  operator const T&() const { return value; }  // NOLINT
};

// An unknown alternative of an open union, kept as it came.
struct RawVariant {
  std::string type;     // the unknown "type" value
  nlohmann::json raw;   // the whole object, "type" included
  bool operator==(const RawVariant&) const = default;
};

template <class U>
struct UnionMeta {
  std::string_view name;
  std::string_view ns;
  bool open = false;  // the last alternative is RawVariant
};

// A type whose JSON has a shape the declarations above cannot express (RequestId is a
// string or an integer). It supplies to_json/from_json itself, and its schema and
// TypeScript as text.
template <class T>
struct CustomMeta {
  std::string_view name;
  std::string_view ns;
  std::string_view schema_json;  // JSON Schema of the value (may $ref nothing)
  std::string_view ts;           // TypeScript type expression
  std::string_view sample_json = "";  // a valid value, for the schema tests
};

// --- detection ---------------------------------------------------------------------------

template <class T>
concept Reflected = requires(const T* p) { spool_reflect(p); };

template <class T>
using MetaOf = decltype(spool_reflect(static_cast<const T*>(nullptr)));

template <class M>
struct MetaKind {
  static constexpr int value = 0;
};
template <class T, class... Fs>
struct MetaKind<StructMeta<T, Fs...>> {
  static constexpr int value = 1;
};
template <class E, std::size_t N>
struct MetaKind<EnumMeta<E, N>> {
  static constexpr int value = 2;
};
template <class U>
struct MetaKind<UnionMeta<U>> {
  static constexpr int value = 3;
};
template <class T>
struct MetaKind<CustomMeta<T>> {
  static constexpr int value = 4;
};

template <class T>
concept ReflectedStruct = Reflected<T> && MetaKind<MetaOf<T>>::value == 1;
template <class T>
concept ReflectedEnum = Reflected<T> && MetaKind<MetaOf<T>>::value == 2;
template <class T>
concept ReflectedUnion = Reflected<T> && MetaKind<MetaOf<T>>::value == 3;
template <class T>
concept ReflectedCustom = Reflected<T> && MetaKind<MetaOf<T>>::value == 4;

template <class T>
constexpr auto meta_of() {
  return spool_reflect(static_cast<const T*>(nullptr));
}

}  // namespace spool::protocol

// --- declaration macros (use them in the type's own namespace) ------------------------------

#define SPOOL_PP_FIELD(T, m) ::spool::protocol::Field<T, decltype(T::m)>{#m, &T::m}

// Declares a struct's fields; defines to_json/from_json for it (see codec.h).
#define SPOOL_STRUCT(T, NS, ...)                                                         \
  inline constexpr auto spool_reflect(const T*) {                                        \
    return ::spool::protocol::make_struct_meta<T>(#T, NS, "",                            \
                                                  SPOOL_PP_FOR_EACH(SPOOL_PP_FIELD, T, __VA_ARGS__)); \
  }                                                                                      \
  SPOOL_PP_JSON_FUNCTIONS(T)

// A struct that is one alternative of a union, written with "type": TAG.
#define SPOOL_TAGGED_STRUCT(T, NS, TAG, ...)                                             \
  inline constexpr auto spool_reflect(const T*) {                                        \
    return ::spool::protocol::make_struct_meta<T>(#T, NS, TAG,                           \
                                                  SPOOL_PP_FOR_EACH(SPOOL_PP_FIELD, T, __VA_ARGS__)); \
  }                                                                                      \
  SPOOL_PP_JSON_FUNCTIONS(T)

// A struct with no fields (a method with no params, an empty response).
#define SPOOL_EMPTY_STRUCT(T, NS)                                                        \
  inline constexpr auto spool_reflect(const T*) {                                        \
    return ::spool::protocol::make_struct_meta<T>(#T, NS, "");                           \
  }                                                                                      \
  SPOOL_PP_JSON_FUNCTIONS(T)

// A tagged alternative with no fields other than its tag.
#define SPOOL_EMPTY_TAGGED_STRUCT(T, NS, TAG)                                            \
  inline constexpr auto spool_reflect(const T*) {                                        \
    return ::spool::protocol::make_struct_meta<T>(#T, NS, TAG);                          \
  }                                                                                      \
  SPOOL_PP_JSON_FUNCTIONS(T)

// An enum: SPOOL_ENUM(SandboxMode, "v2", {SandboxMode::ReadOnly, "read-only", {"readOnly"}}, ...)
#define SPOOL_ENUM(E, NS, ...)                                                           \
  inline constexpr auto spool_reflect(const E*) {                                        \
    using Entry = ::spool::protocol::EnumEntry<E>;                                       \
    return ::spool::protocol::make_enum_meta<E>(#E, NS, __VA_ARGS__);                    \
  }                                                                                      \
  SPOOL_PP_JSON_FUNCTIONS(E)

// A closed union: struct U : std::variant<A, B> { using variant::variant; };
#define SPOOL_UNION(U, NS)                                                               \
  inline constexpr auto spool_reflect(const U*) {                                        \
    return ::spool::protocol::UnionMeta<U>{#U, NS, false};                               \
  }                                                                                      \
  SPOOL_PP_JSON_FUNCTIONS(U)

// An open union: the variant's last alternative is ::spool::protocol::RawVariant.
#define SPOOL_OPEN_UNION(U, NS)                                                          \
  inline constexpr auto spool_reflect(const U*) {                                        \
    return ::spool::protocol::UnionMeta<U>{#U, NS, true};                                \
  }                                                                                      \
  SPOOL_PP_JSON_FUNCTIONS(U)

#define SPOOL_PP_JSON_FUNCTIONS(T)                                                       \
  inline void to_json(::nlohmann::json& j, const T& v) { ::spool::protocol::encode(j, v); } \
  inline void from_json(const ::nlohmann::json& j, T& v) { ::spool::protocol::decode_or_throw(j, v); }
