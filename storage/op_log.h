// The operation log: one record per acknowledged write, in sequence order.
//
// Every write of a collection is one RocksDB WriteBatch holding its op-log
// record, the point records and the id map entries it changes (see
// collection_store.h), so the record and its effects are durable together or
// not at all. Restart replays the records after the sequence that the saved
// segment files cover; records at or below it are trimmed.
//
// Key:   "o" + seq (8 bytes, big-endian: bytewise order = sequence order)
// Value (all integers little-endian):
//   u8  version            = 2 (1 is still read)
//   u8  type               1 = upsert, 2 = delete
//   u32 count
//   count x entry:
//     upsert: id, u32 offset
//     delete: id
//   id: u8 kind (0 = unsigned integer, 1 = UUID), then 8 bytes (integer) or
//       16 bytes (UUID, high half first), big-endian.
// An upsert record names the points and the offsets they got; their vectors
// and payloads are in the point records of the same write batch, written once.
// (Version 1 also carried each vector and payload: every vector was written
// twice, which was half of a bulk upload's I/O. Its copies are skipped on
// read: the point record of a live point always holds its latest version.)
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

inline constexpr uint8_t kOpLogFormatVersion = 2;
inline constexpr Offset kNoOffset = UINT32_MAX;

enum class OpType : uint8_t { kUpsert = 1, kDelete = 2 };

// A borrowed point for writing.
struct PointWrite {
  PointId id;
  Offset offset = kNoOffset;  // the offset this version of the point gets
  VectorView vector;
  std::string_view payload;
};

// A decoded record.
struct OpRecord {
  SeqNo seq = 0;
  OpType type = OpType::kUpsert;
  struct Upsert {
    PointId id;
    Offset offset = kNoOffset;
  };
  std::vector<Upsert> upserts;
  std::vector<PointId> deletes;
};

std::string OpLogKey(SeqNo seq);
// Returns false unless `key` is an op-log key.
bool DecodeOpLogKey(std::string_view key, SeqNo* seq);

// Writes the ids and offsets only (see the format above).
std::string EncodeUpsertOp(std::span<const PointWrite> points);
std::string EncodeDeleteOp(std::span<const PointId> deletes);
Result<OpRecord> DecodeOp(SeqNo seq, std::string_view value);

// The id as op records and keys store it (kind byte + big-endian bytes).
void PutPointId(std::string* dst, const PointId& id);
// Reads an id at the front of *in (consuming it); false if truncated or of unknown kind.
bool GetPointId(std::string_view* in, PointId* id);

}  // namespace sextant
