#include "core/filter_eval.h"

#include <algorithm>

#include "common/datetime.h"

namespace sextant {

std::optional<FieldPath> ParseFieldPath(std::string_view text) {
  FieldPath path;
  path.text = std::string(text);
  size_t i = 0;
  bool expect_key = true;  // at the start and after a '.'
  while (i < text.size()) {
    if (text[i] == '[') {
      if (expect_key && !path.steps.empty()) return std::nullopt;  // "a.[]"
      if (path.steps.empty()) return std::nullopt;                 // "[]" alone
      const size_t close = text.find(']', i);
      if (close == std::string_view::npos) return std::nullopt;
      std::string_view inside = text.substr(i + 1, close - i - 1);
      PathStep step;
      if (inside.empty()) {
        step.kind = PathStep::Kind::kAllElements;
      } else {
        if (inside.size() > 9 || inside.find_first_not_of("0123456789") != std::string_view::npos) {
          return std::nullopt;
        }
        step.kind = PathStep::Kind::kElement;
        step.index = std::stoul(std::string(inside));
      }
      path.steps.push_back(step);
      i = close + 1;
      expect_key = false;
      continue;
    }
    if (text[i] == '.') {
      if (expect_key) return std::nullopt;  // "", "a..b", ".a"
      expect_key = true;
      ++i;
      continue;
    }
    if (!expect_key) return std::nullopt;  // "a[]b"
    PathStep step;
    if (text[i] == '"') {  // a quoted key may hold '.', '[' and ']'
      const size_t close = text.find('"', i + 1);
      if (close == std::string_view::npos) return std::nullopt;
      step.key = std::string(text.substr(i + 1, close - i - 1));
      i = close + 1;
    } else {
      const size_t end = text.find_first_of(".[]\"", i);
      const size_t stop = end == std::string_view::npos ? text.size() : end;
      if (stop < text.size() && (text[stop] == ']' || text[stop] == '"')) return std::nullopt;
      step.key = std::string(text.substr(i, stop - i));
      i = stop;
    }
    path.steps.push_back(std::move(step));
    expect_key = false;
  }
  if (expect_key) return std::nullopt;  // empty or trailing '.'
  return path;
}

void ResolvePath(const JsonValue& root, const FieldPath& path, std::vector<const JsonValue*>* out) {
  out->clear();
  std::vector<const JsonValue*> current{&root};
  std::vector<const JsonValue*> next;
  for (const PathStep& step : path.steps) {
    next.clear();
    for (const JsonValue* v : current) {
      switch (step.kind) {
        case PathStep::Kind::kKey:
          if (const JsonValue* child = v->Find(step.key)) next.push_back(child);
          break;
        case PathStep::Kind::kAllElements:
          if (v->is_array()) {
            for (const JsonValue& e : v->as_array()) next.push_back(&e);
          }
          break;
        case PathStep::Kind::kElement:
          if (v->is_array() && step.index < v->as_array().size()) next.push_back(&v->as_array()[step.index]);
          break;
      }
    }
    current.swap(next);
  }
  for (const JsonValue* v : current) {
    if (v->is_array()) {
      for (const JsonValue& e : v->as_array()) out->push_back(&e);
    } else {
      out->push_back(v);
    }
  }
}

namespace {

bool AnyValue(const std::vector<const JsonValue*>& values, auto&& pred) {
  return std::any_of(values.begin(), values.end(), [&](const JsonValue* v) { return pred(*v); });
}

size_t NonNullCount(const std::vector<const JsonValue*>& values) {
  return static_cast<size_t>(std::count_if(values.begin(), values.end(),
                                           [](const JsonValue* v) { return !v->is_null(); }));
}

template <typename T>
bool Contains(const std::vector<T>& list, const T& x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}

struct FieldTest {
  const std::vector<const JsonValue*>& values;

  bool operator()(const MatchValue& m) const {
    return AnyValue(values, [&](const JsonValue& v) {
      if (const auto* s = std::get_if<std::string>(&m.value)) return v.is_string() && v.as_string() == *s;
      if (const auto* i = std::get_if<int64_t>(&m.value)) return v.is_int() && v.as_int() == *i;
      return v.is_bool() && v.as_bool() == std::get<bool>(m.value);
    });
  }
  bool operator()(const MatchAny& m) const {
    return AnyValue(values, [&](const JsonValue& v) {
      return (v.is_string() && Contains(m.strings, v.as_string())) || (v.is_int() && Contains(m.ints, v.as_int()));
    });
  }
  bool operator()(const MatchExcept& m) const {
    const bool ints = !m.ints.empty();
    return AnyValue(values, [&](const JsonValue& v) {
      if (v.is_null()) return false;
      if (ints) return !v.is_int() || !Contains(m.ints, v.as_int());
      return !v.is_string() || !Contains(m.strings, v.as_string());
    });
  }
  bool operator()(const MatchText& m) const {
    return AnyValue(values, [&](const JsonValue& v) {
      return v.is_string() && v.as_string().find(m.text) != std::string::npos;
    });
  }
  bool operator()(const NumberRange& r) const {
    return AnyValue(values, [&](const JsonValue& v) { return v.is_number() && r.Contains(v.as_number()); });
  }
  bool operator()(const DatetimeRange& r) const {
    return AnyValue(values, [&](const JsonValue& v) {
      if (!v.is_string()) return false;
      const auto t = ParseDatetime(v.as_string());
      return t && r.Contains(*t);
    });
  }
  bool operator()(const ValuesCount& c) const { return c.Contains(NonNullCount(values)); }
  bool operator()(const IsEmpty&) const { return NonNullCount(values) == 0; }
  bool operator()(const IsNull&) const {
    return AnyValue(values, [](const JsonValue& v) { return v.is_null(); });
  }
};

}  // namespace

bool Matches(const FieldCondition& condition, const JsonValue& payload) {
  std::vector<const JsonValue*> local;  // not thread_local: nested filters re-enter
  ResolvePath(payload, condition.key, &local);
  return std::visit(FieldTest{local}, condition.test);
}

bool Matches(const Condition& condition, const PointId& id, const JsonValue& payload) {
  if (const auto* f = std::get_if<FieldCondition>(&condition.c)) return Matches(*f, payload);
  if (const auto* h = std::get_if<HasId>(&condition.c)) return Contains(h->ids, id);
  if (const auto* n = std::get_if<Nested>(&condition.c)) {
    std::vector<const JsonValue*> elements;
    ResolvePath(payload, n->key, &elements);
    return AnyValue(elements, [&](const JsonValue& e) { return e.is_object() && Matches(*n->filter, id, e); });
  }
  return Matches(*std::get<std::shared_ptr<const Filter>>(condition.c), id, payload);
}

bool Matches(const Filter& filter, const PointId& id, const JsonValue& payload) {
  for (const Condition& c : filter.must) {
    if (!Matches(c, id, payload)) return false;
  }
  for (const Condition& c : filter.must_not) {
    if (Matches(c, id, payload)) return false;
  }
  if (!filter.should.empty()) {
    bool any = false;
    for (const Condition& c : filter.should) {
      if (Matches(c, id, payload)) { any = true; break; }
    }
    if (!any) return false;
  }
  if (filter.min_should) {
    size_t hits = 0;
    for (const Condition& c : filter.min_should->conditions) {
      if (Matches(c, id, payload) && ++hits >= filter.min_should->min_count) break;
    }
    if (hits < filter.min_should->min_count) return false;
  }
  return true;
}

}  // namespace sextant
