// Runtime descriptions of the reflected types, for the JSON Schema and TypeScript exports.
//
// describe<T>() turns a type's SPOOL_* declaration into a TypeDesc; type_ref<T>() describes
// how a field of type T refers to it (string, array of, nullable, a named type...). Named
// types are referred to by a function pointer, so recursive types need no special care.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/codec.h"
#include "protocol/reflect.h"

namespace spool::protocol {

struct TypeDesc;
using DescribeFn = const TypeDesc& (*)();

struct TypeRef {
  enum class Kind { String, Bool, Integer, Number, Json, Array, Nullable, Map, Named };
  Kind kind = Kind::Json;
  std::string format;                    // Integer: "int64", "uint32", ...
  std::shared_ptr<const TypeRef> inner;  // Array, Nullable, Map: the element type
  DescribeFn named = nullptr;            // Named
};

struct FieldDesc {
  std::string name;
  TypeRef type;
  bool defaulted = false;  // Defaulted<T>: may be missing on input, never null
};

struct TypeDesc {
  enum class Kind { Struct, Enum, Union, Custom };
  Kind kind = Kind::Struct;
  std::string name;  // "Thread"
  std::string ns;    // "", "v2" or "core"
  // Struct
  std::string tag;  // "type" value when the struct is a union alternative
  std::vector<FieldDesc> fields;
  // Enum: wire spellings (aliases are accepted on decode only)
  std::vector<std::string> enum_values;
  // Union: the alternatives (Named refs to tagged structs); open unions keep unknown ones
  std::vector<TypeRef> alternatives;
  bool open = false;
  // Custom
  std::string custom_schema;
  std::string custom_ts;
  std::string custom_sample;
  // Decodes a JSON value as this type and encodes it again; on failure returns null and
  // sets *error. Lets tests round-trip every type without knowing it at compile time.
  nlohmann::json (*roundtrip)(const nlohmann::json& in, std::string* error) = nullptr;

  // "Thread", "v2/Thread", "core/EventMsg": unique across namespaces.
  std::string qualified_name() const { return ns.empty() ? name : ns + "/" + name; }
};

template <class T>
TypeRef type_ref();
template <class T>
const TypeDesc& describe();

namespace detail {

template <class T>
std::string integer_format() {
  if constexpr (std::is_same_v<T, std::int64_t>) return "int64";
  if constexpr (std::is_same_v<T, std::uint64_t>) return "uint64";
  if constexpr (std::is_same_v<T, std::int32_t>) return "int32";
  if constexpr (std::is_same_v<T, std::uint32_t>) return "uint32";
  if constexpr (std::is_same_v<T, std::uint16_t>) return "uint16";
  if constexpr (std::is_same_v<T, std::int16_t>) return "int16";
  if constexpr (std::is_same_v<T, std::uint8_t>) return "uint8";
  return "";
}

template <class T>
TypeRef wrap(TypeRef::Kind kind) {
  TypeRef r;
  r.kind = kind;
  r.inner = std::make_shared<TypeRef>(type_ref<T>());
  return r;
}

template <class T, std::size_t... I>
std::vector<TypeRef> variant_refs(std::index_sequence<I...>) {
  using V = typename T::variant;
  std::vector<TypeRef> out;
  (
      [&] {
        using Alt = std::variant_alternative_t<I, V>;
        if constexpr (!std::is_same_v<Alt, RawVariant>) out.push_back(type_ref<Alt>());
      }(),
      ...);
  return out;
}

template <class T>
nlohmann::json roundtrip(const nlohmann::json& in, std::string* error) {
  auto r = decode_value<T>(in);
  if (!r) {
    *error = r.error().message();
    return nullptr;
  }
  return to_json_value(r.value());
}

template <class T>
TypeDesc build_desc() {
  constexpr auto meta = meta_of<T>();
  TypeDesc d;
  d.roundtrip = &roundtrip<T>;
  d.name = std::string(meta.name);
  d.ns = std::string(meta.ns);
  if constexpr (ReflectedStruct<T>) {
    d.kind = TypeDesc::Kind::Struct;
    d.tag = std::string(meta.tag);
    std::apply(
        [&](const auto&... f) {
          (d.fields.push_back(FieldDesc{
               std::string(f.name),
               type_ref<std::remove_cvref_t<decltype(std::declval<T>().*(f.member))>>(),
               IsDefaulted<std::remove_cvref_t<decltype(std::declval<T>().*(f.member))>>::value}),
           ...);
        },
        meta.fields);
  } else if constexpr (ReflectedEnum<T>) {
    d.kind = TypeDesc::Kind::Enum;
    for (const auto& e : meta.entries) d.enum_values.emplace_back(e.wire);
  } else if constexpr (ReflectedUnion<T>) {
    d.kind = TypeDesc::Kind::Union;
    d.open = meta.open;
    d.alternatives = variant_refs<T>(
        std::make_index_sequence<std::variant_size_v<typename T::variant>>{});
  } else {
    d.kind = TypeDesc::Kind::Custom;
    d.custom_schema = std::string(meta.schema_json);
    d.custom_ts = std::string(meta.ts);
    d.custom_sample = std::string(meta.sample_json);
  }
  return d;
}

}  // namespace detail

template <class T>
TypeRef type_ref() {
  TypeRef r;
  if constexpr (std::is_same_v<T, nlohmann::json>) {
    r.kind = TypeRef::Kind::Json;
  } else if constexpr (std::is_same_v<T, std::string>) {
    r.kind = TypeRef::Kind::String;
  } else if constexpr (std::is_same_v<T, bool>) {
    r.kind = TypeRef::Kind::Bool;
  } else if constexpr (detail::kIsInteger<T>) {
    r.kind = TypeRef::Kind::Integer;
    r.format = detail::integer_format<T>();
  } else if constexpr (std::is_floating_point_v<T>) {
    r.kind = TypeRef::Kind::Number;
    r.format = "double";
  } else if constexpr (detail::IsDefaulted<T>::value) {
    return type_ref<decltype(T::value)>();
  } else if constexpr (detail::IsOptional<T>::value) {
    return detail::wrap<typename T::value_type>(TypeRef::Kind::Nullable);
  } else if constexpr (detail::IsVector<T>::value) {
    return detail::wrap<typename T::value_type>(TypeRef::Kind::Array);
  } else if constexpr (detail::IsStringMap<T>::value) {
    return detail::wrap<typename T::mapped_type>(TypeRef::Kind::Map);
  } else if constexpr (Reflected<T>) {
    r.kind = TypeRef::Kind::Named;
    r.named = &describe<T>;
  } else {
    static_assert(sizeof(T) == 0, "not a protocol type");
  }
  return r;
}

template <class T>
const TypeDesc& describe() {
  static const TypeDesc d = detail::build_desc<T>();
  return d;
}

}  // namespace spool::protocol
