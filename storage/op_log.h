// The operation log: one record per acknowledged write, in sequence order.
//
// Every write of a collection is one RocksDB WriteBatch holding its op-log
// record, the point records and the id map entries it changes (see
// collection_store.h), so the record and its effects are durable together or
// not at all. Restart replays the records after the sequence that the saved
// segment files cover; records at or below it are trimmed.
//
// Key:   "o" + seq (8 bytes, big-endian: bytewise order = sequence order)
// Value, format version 1 (all integers little-endian):
//   u8  version            = 1
//   u8  type               1 = upsert, 2 = delete
//   u32 count
//   count x entry:
//     upsert: id, u32 offset, u32 dim, dim x f32, u32 payload_len, payload bytes
//             (payload: minified JSON object, or empty = no payload)
//     delete: id
//   id: u8 kind (0 = unsigned integer, 1 = UUID), then 8 bytes (integer) or
//       16 bytes (UUID, high half first), big-endian.
// A reader refuses a version it does not know (Corruption), never guesses.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/types.h"

namespace sextant {

inline constexpr uint8_t kOpLogFormatVersion = 1;
inline constexpr Offset kNoOffset = UINT32_MAX;

enum class OpType : uint8_t { kUpsert = 1, kDelete = 2 };

// A borrowed point for writing.
struct PointWrite {
  PointId id;
  Offset offset = kNoOffset;  // the offset this version of the point gets
  VectorView vector;
  std::string_view payload;
};

// A decoded record. Upserts own their data (replay outlives the iterator).
struct OpRecord {
  SeqNo seq = 0;
  OpType type = OpType::kUpsert;
  struct Upsert {
    PointId id;
    Offset offset = kNoOffset;
    std::vector<float> vector;
    std::string payload;
  };
  std::vector<Upsert> upserts;
  std::vector<PointId> deletes;
};

std::string OpLogKey(SeqNo seq);
// Returns false unless `key` is an op-log key.
bool DecodeOpLogKey(std::string_view key, SeqNo* seq);

std::string EncodeUpsertOp(std::span<const PointWrite> points);
std::string EncodeDeleteOp(std::span<const PointId> deletes);
Result<OpRecord> DecodeOp(SeqNo seq, std::string_view value);

// The id as op records and keys store it (kind byte + big-endian bytes).
void PutPointId(std::string* dst, const PointId& id);
// Reads an id at the front of *in (consuming it); false if truncated or of unknown kind.
bool GetPointId(std::string_view* in, PointId* id);

}  // namespace sextant
