#include "api/json/filter_reader.h"

#include <cmath>
#include <initializer_list>

#include "common/datetime.h"

namespace sextant::api {

namespace {

Status Bad(const std::string& what) { return FormatError("filter: " + what); }

Status OnlyKeys(JsonElement obj, std::initializer_list<std::string_view> allowed, std::string_view where) {
  for (auto [key, value] : AsObject(obj)) {
    bool ok = false;
    for (std::string_view a : allowed) ok = ok || key == a;
    if (!ok) {
      std::string list;
      for (std::string_view a : allowed) {
        if (!list.empty()) list.append(", ");
        list.push_back('`');
        list.append(a);
        list.push_back('`');
      }
      return Bad("unknown field `" + std::string(key) + "` in " + std::string(where) + ", expected one of " + list);
    }
  }
  return Status::OK();
}

Result<FieldPath> ReadKey(JsonElement e, std::string_view where) {
  if (!e.is_string()) return Bad(std::string(where) + ": `key` must be a string");
  std::string_view text = e.get_string().value();
  auto path = ParseFieldPath(text);
  if (!path) return Bad(std::string(where) + ": `" + std::string(text) + "` is not a valid key path");
  return *path;
}

Result<int64_t> ReadInt64(JsonElement e, std::string_view what) {
  if (e.is_int64()) return e.get_int64().value();
  if (e.is_uint64()) return Bad(std::string(what) + ": integer out of range");
  return Bad(std::string(what) + ": expected an integer");
}

// match.any / match.except lists: all strings or all integers.
Status ReadList(JsonElement e, std::string_view what, std::vector<std::string>* strings, std::vector<int64_t>* ints) {
  if (!e.is_array()) return Bad(std::string(what) + ": expected an array of strings or of integers");
  for (JsonElement x : AsArray(e)) {
    if (x.is_string()) {
      strings->emplace_back(x.get_string().value());
    } else if (x.is_int64() || x.is_uint64()) {
      ASSIGN_OR_RETURN(int64_t v, ReadInt64(x, what));
      ints->push_back(v);
    } else {
      return Bad(std::string(what) + ": expected strings or integers");
    }
  }
  if (!strings->empty() && !ints->empty()) return Bad(std::string(what) + ": mixes strings and integers");
  return Status::OK();
}

Result<FieldCondition::Test> ReadMatch(JsonElement m) {
  if (!m.is_object()) return Bad("`match` must be an object");
  RETURN_IF_ERROR(OnlyKeys(m, {"value", "any", "except", "text", "text_any", "phrase", "prefix"}, "match"));
  if (AsObject(m).size() != 1) return Bad("`match` needs exactly one of `value`, `any`, `except`, `text`");
  if (auto v = Field(m, "value")) {
    if (v->is_string()) return FieldCondition::Test(MatchValue{std::string(v->get_string().value())});
    if (v->is_bool()) return FieldCondition::Test(MatchValue{v->get_bool().value()});
    if (v->is_int64() || v->is_uint64()) {
      ASSIGN_OR_RETURN(int64_t i, ReadInt64(*v, "match.value"));
      return FieldCondition::Test(MatchValue{i});
    }
    if (v->is_double()) return Bad("match.value: floats cannot be matched exactly, use `range`");
    return Bad("match.value: expected a string, an integer or a bool");
  }
  if (auto v = Field(m, "any")) {
    MatchAny any;
    RETURN_IF_ERROR(ReadList(*v, "match.any", &any.strings, &any.ints));
    return FieldCondition::Test(std::move(any));
  }
  if (auto v = Field(m, "except")) {
    MatchExcept except;
    RETURN_IF_ERROR(ReadList(*v, "match.except", &except.strings, &except.ints));
    return FieldCondition::Test(std::move(except));
  }
  if (auto v = Field(m, "text")) {
    if (!v->is_string()) return Bad("match.text: expected a string");
    return FieldCondition::Test(MatchText{std::string(v->get_string().value())});
  }
  return Status::InvalidArgument("Bad request: match." + std::string((*AsObject(m).begin()).key) +
                                 " (full-text search) is not supported; use match.text");
}

Result<FieldCondition::Test> ReadRange(JsonElement r) {
  if (!r.is_object()) return Bad("`range` must be an object");
  RETURN_IF_ERROR(OnlyKeys(r, {"gt", "gte", "lt", "lte"}, "range"));
  size_t numbers = 0, strings = 0;
  for (auto [key, value] : AsObject(r)) {
    if (value.is_null()) continue;
    if (value.is_number()) {
      ++numbers;
    } else if (value.is_string()) {
      ++strings;
    } else {
      return Bad("range." + std::string(key) + ": expected a number or an RFC 3339 datetime string");
    }
  }
  if (numbers > 0 && strings > 0) return Bad("range: mixes numbers and datetimes");
  if (strings > 0) {
    DatetimeRange d;
    for (auto [key, value] : AsObject(r)) {
      if (value.is_null()) continue;
      std::string_view text = value.get_string().value();
      auto t = ParseDatetime(text);
      if (!t) return Bad("range." + std::string(key) + ": `" + std::string(text) + "` is not an RFC 3339 datetime");
      (key == "gt" ? d.gt : key == "gte" ? d.gte : key == "lt" ? d.lt : d.lte) = *t;
    }
    return FieldCondition::Test(d);
  }
  NumberRange n;
  for (auto [key, value] : AsObject(r)) {
    if (value.is_null()) continue;
    const double v = value.get_double().value();
    (key == "gt" ? n.gt : key == "gte" ? n.gte : key == "lt" ? n.lt : n.lte) = v;
  }
  return FieldCondition::Test(n);
}

Result<FieldCondition::Test> ReadValuesCount(JsonElement r) {
  if (!r.is_object()) return Bad("`values_count` must be an object");
  RETURN_IF_ERROR(OnlyKeys(r, {"gt", "gte", "lt", "lte"}, "values_count"));
  ValuesCount c;
  for (auto [key, value] : AsObject(r)) {
    if (value.is_null()) continue;
    if (!value.is_uint64() && !(value.is_int64() && value.get_int64().value() >= 0)) {
      return Bad("values_count." + std::string(key) + ": expected a non-negative integer");
    }
    const uint64_t v = value.is_uint64() ? value.get_uint64().value() : static_cast<uint64_t>(value.get_int64().value());
    (key == "gt" ? c.gt : key == "gte" ? c.gte : key == "lt" ? c.lt : c.lte) = v;
  }
  return FieldCondition::Test(c);
}

// Parsing state shared by one filter's levels.
struct Budget {
  size_t conditions = 0;
};

Result<std::shared_ptr<const Filter>> ReadFilterAt(JsonElement e, size_t depth, Budget* budget);

Result<Condition> ReadCondition(JsonElement e, size_t depth, Budget* budget) {
  if (!e.is_object()) return Bad("a condition must be an object");
  if (++budget->conditions > kMaxFilterConditions) {
    return Status::InvalidArgument("Bad request: a filter may hold at most " + std::to_string(kMaxFilterConditions) +
                                   " conditions");
  }
  auto obj = AsObject(e);
  if (Field(e, "key")) {
    RETURN_IF_ERROR(OnlyKeys(e, {"key", "match", "range", "values_count", "is_empty", "is_null", "geo_bounding_box",
                                 "geo_radius", "geo_polygon", "datetime_range"},
                             "field condition"));
    ASSIGN_OR_RETURN(FieldPath key, ReadKey(*Field(e, "key"), "field condition"));
    for (const char* geo : {"geo_bounding_box", "geo_radius", "geo_polygon"}) {
      if (Field(e, geo)) return Status::InvalidArgument(std::string("Bad request: ") + geo + " conditions are not supported");
    }
    std::vector<Condition> tests;
    auto add = [&](FieldCondition::Test t, bool negate = false) {
      Condition c{FieldCondition{key, std::move(t)}};
      if (negate) {
        auto f = std::make_shared<Filter>();
        f->must_not.push_back(std::move(c));
        c = Condition{std::shared_ptr<const Filter>(std::move(f))};
      }
      tests.push_back(std::move(c));
    };
    if (auto m = Field(e, "match")) {
      ASSIGN_OR_RETURN(auto t, ReadMatch(*m));
      add(std::move(t));
    }
    if (auto r = Field(e, "range")) {
      ASSIGN_OR_RETURN(auto t, ReadRange(*r));
      add(std::move(t));
    }
    if (auto r = Field(e, "datetime_range")) {
      ASSIGN_OR_RETURN(auto t, ReadRange(*r));
      if (const auto* n = std::get_if<NumberRange>(&t)) {
        if (n->gt || n->gte || n->lt || n->lte) return Bad("datetime_range: bounds must be RFC 3339 datetime strings");
        t = DatetimeRange{};  // no bounds: any datetime
      }
      add(std::move(t));
    }
    if (auto r = Field(e, "values_count")) {
      ASSIGN_OR_RETURN(auto t, ReadValuesCount(*r));
      add(std::move(t));
    }
    if (auto b = Field(e, "is_empty")) {
      ASSIGN_OR_RETURN(bool v, ReadBool(*b, "is_empty"));
      add(IsEmpty{}, !v);
    }
    if (auto b = Field(e, "is_null")) {
      ASSIGN_OR_RETURN(bool v, ReadBool(*b, "is_null"));
      add(IsNull{}, !v);
    }
    if (tests.empty()) return Bad("field condition on `" + key.text + "` has no test (`match`, `range`, ...)");
    if (tests.size() == 1) return std::move(tests[0]);
    auto all = std::make_shared<Filter>();  // several tests on one key: all must hold
    all->must = std::move(tests);
    return Condition{std::shared_ptr<const Filter>(std::move(all))};
  }
  if (auto ids = Field(e, "has_id")) {
    RETURN_IF_ERROR(OnlyKeys(e, {"has_id"}, "has_id condition"));
    ASSIGN_OR_RETURN(auto list, ReadPointIds(*ids, "has_id"));
    return Condition{HasId{std::move(list)}};
  }
  for (const char* name : {"is_empty", "is_null"}) {
    if (auto inner = Field(e, name)) {
      RETURN_IF_ERROR(OnlyKeys(e, {name}, std::string(name) + " condition"));
      if (!inner->is_object()) return Bad(std::string(name) + ": expected {\"key\": ...}");
      RETURN_IF_ERROR(OnlyKeys(*inner, {"key"}, name));
      auto key = Field(*inner, "key");
      if (!key) return Bad(std::string(name) + ": missing `key`");
      ASSIGN_OR_RETURN(FieldPath path, ReadKey(*key, name));
      FieldCondition fc{std::move(path), IsEmpty{}};
      if (std::string_view(name) == "is_null") fc.test = IsNull{};
      return Condition{std::move(fc)};
    }
  }
  if (auto nested = Field(e, "nested")) {
    RETURN_IF_ERROR(OnlyKeys(e, {"nested"}, "nested condition"));
    if (!nested->is_object()) return Bad("nested: expected {\"key\": ..., \"filter\": ...}");
    RETURN_IF_ERROR(OnlyKeys(*nested, {"key", "filter"}, "nested"));
    auto key = Field(*nested, "key");
    auto filter = Field(*nested, "filter");
    if (!key || !filter) return Bad("nested: needs `key` and `filter`");
    ASSIGN_OR_RETURN(FieldPath path, ReadKey(*key, "nested"));
    ASSIGN_OR_RETURN(auto sub, ReadFilterAt(*filter, depth + 1, budget));
    return Condition{Nested{std::move(path), sub ? sub : std::make_shared<const Filter>()}};
  }
  if (auto v = Field(e, "has_vector")) {
    RETURN_IF_ERROR(OnlyKeys(e, {"has_vector"}, "has_vector condition"));
    ASSIGN_OR_RETURN(std::string_view name, ReadString(*v, "has_vector"));
    if (!name.empty()) {
      return Status::InvalidArgument("Wrong input: Not existing vector name error: " + std::string(name));
    }
    return Condition{std::shared_ptr<const Filter>(std::make_shared<Filter>())};  // every point has it
  }
  for (const char* name : {"must", "should", "must_not", "min_should"}) {
    if (Field(e, name) || obj.size() == 0) {
      ASSIGN_OR_RETURN(auto sub, ReadFilterAt(e, depth + 1, budget));
      return Condition{sub ? sub : std::make_shared<const Filter>()};
    }
  }
  std::string first = obj.size() > 0 ? std::string((*obj.begin()).key) : "";
  return Bad("unknown condition `" + first +
             "`; expected a field condition (`key`), `has_id`, `is_empty`, `is_null`, `nested`, "
             "`has_vector` or a filter (`must`, `should`, `must_not`, `min_should`)");
}

Result<std::vector<Condition>> ReadConditions(JsonElement e, size_t depth, Budget* budget) {
  std::vector<Condition> out;
  if (e.is_array()) {
    for (JsonElement c : AsArray(e)) {
      ASSIGN_OR_RETURN(Condition cond, ReadCondition(c, depth, budget));
      out.push_back(std::move(cond));
    }
  } else {
    ASSIGN_OR_RETURN(Condition cond, ReadCondition(e, depth, budget));
    out.push_back(std::move(cond));
  }
  return out;
}

Result<std::shared_ptr<const Filter>> ReadFilterAt(JsonElement e, size_t depth, Budget* budget) {
  if (depth > kMaxFilterDepth) {
    return Status::InvalidArgument("Bad request: filter nested deeper than " + std::to_string(kMaxFilterDepth) +
                                   " levels");
  }
  if (!e.is_object()) return Bad("expected an object");
  RETURN_IF_ERROR(OnlyKeys(e, {"must", "should", "must_not", "min_should"}, "filter"));
  auto f = std::make_shared<Filter>();
  if (auto v = Field(e, "must")) { ASSIGN_OR_RETURN(f->must, ReadConditions(*v, depth, budget)); }
  if (auto v = Field(e, "should")) { ASSIGN_OR_RETURN(f->should, ReadConditions(*v, depth, budget)); }
  if (auto v = Field(e, "must_not")) { ASSIGN_OR_RETURN(f->must_not, ReadConditions(*v, depth, budget)); }
  if (auto v = Field(e, "min_should")) {
    if (!v->is_object()) return Bad("min_should: expected {\"conditions\": [...], \"min_count\": n}");
    RETURN_IF_ERROR(OnlyKeys(*v, {"conditions", "min_count"}, "min_should"));
    auto conditions = Field(*v, "conditions");
    auto min_count = Field(*v, "min_count");
    if (!conditions || !min_count) return Bad("min_should: needs `conditions` and `min_count`");
    MinShould ms;
    ASSIGN_OR_RETURN(ms.conditions, ReadConditions(*conditions, depth, budget));
    ASSIGN_OR_RETURN(uint64_t n, ReadUint(*min_count, "min_should.min_count"));
    ms.min_count = static_cast<size_t>(n);
    f->min_should = std::move(ms);
  }
  if (f->empty()) return std::shared_ptr<const Filter>();
  return std::shared_ptr<const Filter>(std::move(f));
}

}  // namespace

Result<std::shared_ptr<const Filter>> ReadFilter(JsonElement e) {
  Budget budget;
  return ReadFilterAt(e, 0, &budget);
}

Result<std::shared_ptr<const Filter>> ReadFilterField(JsonElement body) {
  auto filter = Field(body, "filter");
  if (!filter) return std::shared_ptr<const Filter>();
  return ReadFilter(*filter);
}

}  // namespace sextant::api
