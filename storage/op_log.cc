#include "storage/op_log.h"


#include "storage/coding.h"

namespace sextant {

namespace {

bool GetFixed32(std::string_view* in, uint32_t* v) {
  if (in->size() < 4) return false;
  *v = DecodeFixed32(in->data());
  in->remove_prefix(4);
  return true;
}

std::string Header(OpType type, size_t count) {
  std::string out;
  out.push_back(static_cast<char>(kOpLogFormatVersion));
  out.push_back(static_cast<char>(type));
  PutFixed32(&out, static_cast<uint32_t>(count));
  return out;
}

}  // namespace

std::string OpLogKey(SeqNo seq) {
  std::string key = "o";
  PutBigEndian64(&key, seq);
  return key;
}

bool DecodeOpLogKey(std::string_view key, SeqNo* seq) {
  if (key.size() != 9 || key[0] != 'o') return false;
  *seq = DecodeBigEndian64(key.data() + 1);
  return true;
}

void PutPointId(std::string* dst, const PointId& id) {
  if (id.is_num()) {
    dst->push_back('\0');
    PutBigEndian64(dst, id.num());
  } else {
    dst->push_back('\1');
    PutBigEndian64(dst, id.uuid_hi());
    PutBigEndian64(dst, id.uuid_lo());
  }
}

bool GetPointId(std::string_view* in, PointId* id) {
  if (in->empty()) return false;
  const char kind = (*in)[0];
  if (kind == '\0' && in->size() >= 9) {
    *id = PointId::Num(DecodeBigEndian64(in->data() + 1));
    in->remove_prefix(9);
    return true;
  }
  if (kind == '\1' && in->size() >= 17) {
    *id = PointId::Uuid(DecodeBigEndian64(in->data() + 1), DecodeBigEndian64(in->data() + 9));
    in->remove_prefix(17);
    return true;
  }
  return false;
}

std::string EncodeUpsertOp(std::span<const PointWrite> points) {
  std::string out = Header(OpType::kUpsert, points.size());
  out.reserve(out.size() + points.size() * (17 + 4));
  for (const PointWrite& p : points) {
    PutPointId(&out, p.id);
    PutFixed32(&out, p.offset);
  }
  return out;
}

std::string EncodeDeleteOp(std::span<const PointId> deletes) {
  std::string out = Header(OpType::kDelete, deletes.size());
  for (const PointId& id : deletes) PutPointId(&out, id);
  return out;
}

Result<OpRecord> DecodeOp(SeqNo seq, std::string_view in) {
  auto corrupt = [seq](const char* what) {
    return Status::Corruption("op-log record " + std::to_string(seq) + ": " + what);
  };
  if (in.size() < 6) return corrupt("too short");
  const uint8_t version = static_cast<uint8_t>(in[0]);
  if (version != 1 && version != kOpLogFormatVersion) {
    return corrupt(("unknown format version " + std::to_string(version)).c_str());
  }
  OpRecord op;
  op.seq = seq;
  const uint8_t type = static_cast<uint8_t>(in[1]);
  in.remove_prefix(2);
  uint32_t count = 0;
  GetFixed32(&in, &count);
  if (type == static_cast<uint8_t>(OpType::kUpsert)) {
    op.type = OpType::kUpsert;
    op.upserts.reserve(std::min<size_t>(count, in.size() / 13));
    for (uint32_t i = 0; i < count; ++i) {
      OpRecord::Upsert u;
      if (!GetPointId(&in, &u.id) || !GetFixed32(&in, &u.offset)) return corrupt("truncated upsert");
      if (version == 1) {  // skip the vector and payload copies
        uint32_t dim = 0, payload_len = 0;
        if (!GetFixed32(&in, &dim) || in.size() < size_t{dim} * 4) return corrupt("truncated vector");
        in.remove_prefix(size_t{dim} * 4);
        if (!GetFixed32(&in, &payload_len) || in.size() < payload_len) return corrupt("truncated payload");
        in.remove_prefix(payload_len);
      }
      op.upserts.push_back(u);
    }
  } else if (type == static_cast<uint8_t>(OpType::kDelete)) {
    op.type = OpType::kDelete;
    op.deletes.reserve(std::min<size_t>(count, in.size() / 9));
    for (uint32_t i = 0; i < count; ++i) {
      PointId id;
      if (!GetPointId(&in, &id)) return corrupt("truncated delete");
      op.deletes.push_back(id);
    }
  } else {
    return corrupt("unknown operation type");
  }
  if (!in.empty()) return corrupt("trailing bytes");
  return op;
}

}  // namespace sextant
