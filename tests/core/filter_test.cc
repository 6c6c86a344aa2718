// Filter building blocks: paths, datetimes, the evaluator on Qdrant's
// documented examples, payload operations, and index range bounds.
#include <catch2/catch.hpp>

#include "common/datetime.h"
#include "common/json_value.h"
#include "core/filter_eval.h"
#include "core/payload_index.h"
#include "core/payload_ops.h"

namespace sextant {

namespace {

JsonValue J(const char* text) { return *ParseJson(text); }

bool Eval(const char* payload, FieldCondition c) {
  return Matches(Condition{std::move(c)}, PointId::Num(1), J(payload));
}
FieldCondition On(const char* key, FieldCondition::Test t) { return FieldCondition{*ParseFieldPath(key), std::move(t)}; }

}  // namespace

TEST_CASE("Key paths parse as Qdrant writes them and reject the rest", "[core][filter]") {
  auto p = ParseFieldPath("a.b[].c[2]");
  REQUIRE(p);
  REQUIRE(p->steps.size() == 5);
  CHECK(p->steps[1].key == "b");
  CHECK(p->steps[2].kind == PathStep::Kind::kAllElements);
  CHECK(p->steps[4].kind == PathStep::Kind::kElement);
  CHECK(p->steps[4].index == 2);
  CHECK(ParseFieldPath("\"a.b\".c")->steps[0].key == "a.b");
  for (const char* bad : {"", ".", "a.", ".a", "a..b", "[]", "a[", "a[x]", "a[]b", "a.[]", "a]"}) {
    INFO(bad);
    CHECK_FALSE(ParseFieldPath(bad));
  }
}

TEST_CASE("RFC 3339 datetimes parse to UTC microseconds", "[core][filter]") {
  CHECK(ParseDatetime("1970-01-01T00:00:00Z") == 0);
  CHECK(ParseDatetime("1970-01-01") == 0);
  CHECK(ParseDatetime("1970-01-01T00:00:01.5Z") == 1500000);
  CHECK(ParseDatetime("1970-01-01T01:00:00+01:00") == 0);
  CHECK(ParseDatetime("1970-01-01 00:00:00") == 0);
  CHECK(ParseDatetime("2024-02-29T12:00:00Z") == 1709208000LL * 1000000);
  CHECK(ParseDatetime("1969-12-31T23:59:59Z") == -1000000);
  for (const char* bad : {"", "soon", "2023-02-29", "2024-13-01", "2024-01-01T25:00:00Z", "2024-01-01T00:00:00X",
                          "2024-1-01", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00+0"}) {
    INFO(bad);
    CHECK_FALSE(ParseDatetime(bad));
  }
}

TEST_CASE("The evaluator follows Qdrant's condition semantics", "[core][filter]") {
  // Arrays match by any element; match is type-strict.
  CHECK(Eval(R"({"tags":["a","b"]})", On("tags", MatchValue{std::string("b")})));
  CHECK_FALSE(Eval(R"({"n":"1"})", On("n", MatchValue{int64_t{1}})));
  CHECK_FALSE(Eval(R"({"n":1.0})", On("n", MatchValue{int64_t{1}})));
  CHECK(Eval(R"({"n":1})", On("n", MatchValue{int64_t{1}})));
  // Paths into objects and arrays of objects.
  CHECK(Eval(R"({"meta":{"author":"x"}})", On("meta.author", MatchValue{std::string("x")})));
  CHECK(Eval(R"({"c":[{"city":"a"},{"city":"b"}]})", On("c[].city", MatchValue{std::string("b")})));
  CHECK_FALSE(Eval(R"({"c":[{"city":"a"},{"city":"b"}]})", On("c.city", MatchValue{std::string("b")})));
  CHECK(Eval(R"({"c":[{"city":"a"},{"city":"b"}]})", On("c[1].city", MatchValue{std::string("b")})));
  // except: missing and null never match; another type does.
  CHECK_FALSE(Eval(R"({})", On("f", MatchExcept{{"a"}, {}})));
  CHECK_FALSE(Eval(R"({"f":null})", On("f", MatchExcept{{"a"}, {}})));
  CHECK_FALSE(Eval(R"({"f":"a"})", On("f", MatchExcept{{"a"}, {}})));
  CHECK(Eval(R"({"f":"b"})", On("f", MatchExcept{{"a"}, {}})));
  CHECK(Eval(R"({"f":3})", On("f", MatchExcept{{"a"}, {}})));
  CHECK(Eval(R"({"f":["a","b"]})", On("f", MatchExcept{{"a"}, {}})));
  // is_empty: missing, null, []; is_null only null.
  CHECK(Eval(R"({})", On("f", IsEmpty{})));
  CHECK(Eval(R"({"f":null})", On("f", IsEmpty{})));
  CHECK(Eval(R"({"f":[]})", On("f", IsEmpty{})));
  CHECK_FALSE(Eval(R"({"f":[1]})", On("f", IsEmpty{})));
  CHECK_FALSE(Eval(R"({})", On("f", IsNull{})));
  CHECK(Eval(R"({"f":null})", On("f", IsNull{})));
  CHECK_FALSE(Eval(R"({"f":[]})", On("f", IsNull{})));
  // range reads any number; datetime range reads datetime strings.
  CHECK(Eval(R"({"p":2.5})", On("p", NumberRange{.gt = 2})));
  CHECK_FALSE(Eval(R"({"p":"3"})", On("p", NumberRange{.gt = 2})));
  CHECK(Eval(R"({"d":"2024-01-02T00:00:00+02:00"})",
             On("d", DatetimeRange{.lt = *ParseDatetime("2024-01-01T23:00:00Z")})));
  CHECK(Eval(R"({"v":[1,2,3]})", On("v", ValuesCount{.gte = 3})));
  CHECK_FALSE(Eval(R"({"v":[1,2,3]})", On("v", ValuesCount{.lt = 3})));

  // nested: all conditions on the same element.
  auto sub = std::make_shared<Filter>();
  sub->must.push_back(Condition{On("food", MatchValue{std::string("meat")})});
  sub->must.push_back(Condition{On("likes", MatchValue{true})});
  const Condition nested{Nested{*ParseFieldPath("diet[]"), sub}};
  const char* dino = R"({"diet":[{"food":"leaves","likes":false},{"food":"meat","likes":false}]})";
  const char* rex = R"({"diet":[{"food":"leaves","likes":false},{"food":"meat","likes":true}]})";
  CHECK_FALSE(Matches(nested, PointId::Num(1), J(dino)));
  CHECK(Matches(nested, PointId::Num(1), J(rex)));
  Filter flat;  // the same conditions without nested match across elements
  flat.must.push_back(Condition{On("diet[].food", MatchValue{std::string("meat")})});
  flat.must.push_back(Condition{On("diet[].likes", MatchValue{true})});
  CHECK(Matches(flat, PointId::Num(1), J(R"({"diet":[{"food":"meat","likes":false},{"food":"x","likes":true}]})")));

  // should / min_should / must_not
  Filter f;
  f.should.push_back(Condition{On("a", MatchValue{int64_t{1}})});
  f.should.push_back(Condition{On("b", MatchValue{int64_t{1}})});
  CHECK(Matches(f, PointId::Num(1), J(R"({"b":1})")));
  CHECK_FALSE(Matches(f, PointId::Num(1), J(R"({"c":1})")));
  Filter m;
  m.min_should = MinShould{{Condition{On("a", MatchValue{int64_t{1}})}, Condition{On("b", MatchValue{int64_t{1}})},
                            Condition{On("c", MatchValue{int64_t{1}})}},
                           2};
  CHECK(Matches(m, PointId::Num(1), J(R"({"a":1,"c":1})")));
  CHECK_FALSE(Matches(m, PointId::Num(1), J(R"({"a":1,"c":2})")));
  Filter n;
  n.must_not.push_back(Condition{On("a", MatchValue{int64_t{1}})});
  CHECK(Matches(n, PointId::Num(1), J(R"({})")));  // missing is not excluded
  CHECK(Matches(Filter{}, PointId::Num(1), J(R"({})")));
}

TEST_CASE("Payload operations edit payloads as Qdrant does", "[core][filter]") {
  JsonValue p = J(R"({"a":1,"meta":{"x":1,"y":2},"list":[{"k":1},{"k":2}]})");
  PayloadOp set;
  set.payload = J(R"({"a":2,"b":3})");
  ApplyPayloadOp(set, &p);
  CHECK(ToJson(p) == R"({"meta":{"x":1,"y":2},"list":[{"k":1},{"k":2}],"a":2,"b":3})");
  PayloadOp nested;
  nested.payload = J(R"({"z":true})");
  nested.key = ParseFieldPath("meta.deep");
  ApplyPayloadOp(nested, &p);
  CHECK(ToJson(*p.Find("meta")) == R"({"x":1,"y":2,"deep":{"z":true}})");
  PayloadOp del;
  del.kind = PayloadOp::Kind::kDeleteKeys;
  del.keys = {*ParseFieldPath("meta.x"), *ParseFieldPath("list[].k"), *ParseFieldPath("b")};
  ApplyPayloadOp(del, &p);
  CHECK(ToJson(p) == R"({"meta":{"y":2,"deep":{"z":true}},"list":[{},{}],"a":2})");
  PayloadOp clear;
  clear.kind = PayloadOp::Kind::kClear;
  ApplyPayloadOp(clear, &p);
  CHECK(ToJson(p) == "{}");
  PayloadOp overwrite;
  overwrite.kind = PayloadOp::Kind::kOverwrite;
  overwrite.payload = J(R"({"q":[1,2.5,"s",null]})");
  ApplyPayloadOp(overwrite, &p);
  CHECK(ToJson(p) == R"({"q":[1,2.5,"s",null]})");
  CHECK(ToJson(J(R"({"d":1.0,"e":1e300,"s":"a\"b\n"})")) == R"({"d":1.0,"e":1e+300,"s":"a\"b\n"})");
  CHECK(ToJson(J(R"({"big":18446744073709551615,"neg":-9223372036854775808})")) ==
        R"({"big":18446744073709551615,"neg":-9223372036854775808})");
}

TEST_CASE("Numeric index ranges honour every bound combination", "[core][filter]") {
  FieldIndex index(*ParseFieldPath("v"), PayloadSchema::kFloat);
  for (int i = 0; i < 10; ++i) index.Add(static_cast<Offset>(i), J(("{\"v\":" + std::to_string(i) + "}").c_str()));
  auto count = [&](NumberRange r) {
    FieldCondition c{*ParseFieldPath("v"), r};
    REQUIRE(index.Check(c).ok());
    return index.Query(c)->cardinality();
  };
  CHECK(count({}) == 10);
  CHECK(count({.gt = 3}) == 6);
  CHECK(count({.gte = 3}) == 7);
  CHECK(count({.lt = 3}) == 3);
  CHECK(count({.lte = 3}) == 4);
  CHECK(count({.gt = 2, .lt = 5}) == 2);
  CHECK(count({.gte = 2, .lte = 5}) == 4);
  CHECK(count({.gt = 2, .gte = 4}) == 6);   // the tighter lower bound wins
  CHECK(count({.lt = 8, .lte = 4}) == 5);   // the tighter upper bound wins
  CHECK(count({.gt = 7, .lt = 3}) == 0);
  CHECK(count({.gte = 3.5, .lte = 3.6}) == 0);
  CHECK(count({.gt = 100}) == 0);
  CHECK(count({.lt = -1}) == 0);
  FieldCondition wrong{*ParseFieldPath("v"), MatchValue{std::string("x")}};
  CHECK(index.Check(wrong).code() == Status::Code::kInvalidArgument);
}

}  // namespace sextant

namespace sextant {

TEST_CASE("set_payload with a key walks arrays instead of replacing them", "[core][filter]") {
  auto run = [](const char* payload, const char* key, const char* set) {
    JsonValue p = *ParseJson(payload);
    PayloadOp op;
    op.payload = *ParseJson(set);
    op.key = ParseFieldPath(key);
    ApplyPayloadOp(op, &p);
    return ToJson(p);
  };
  CHECK(run(R"({"a":[{"x":1},{"x":2}]})", "a[0]", R"({"y":1})") == R"({"a":[{"x":1,"y":1},{"x":2}]})");
  CHECK(run(R"({"a":[{"x":1},{"x":2}]})", "a[]", R"({"y":1})") == R"({"a":[{"x":1,"y":1},{"x":2,"y":1}]})");
  CHECK(run(R"({"a":[{"b":{}},{"b":3}]})", "a[].b", R"({"y":1})") == R"({"a":[{"b":{"y":1}},{"b":{"y":1}}]})");
  CHECK(run(R"({"a":[1]})", "a[5]", R"({"y":1})") == R"({"a":[1]})");  // no padding
  CHECK(run(R"({"a":5})", "a.b", R"({"y":1})") == R"({"a":{"b":{"y":1}}})");
  CHECK(run(R"({})", "a[]", R"({"y":1})") == R"({"a":[]})");
}

}  // namespace sextant
