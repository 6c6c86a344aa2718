#include "api/handlers/search_params.h"

namespace sextant::api {

Status ReadSearchParams(JsonElement params, QueryOptions* options) {
  QueryOptions& o = *options;
  if (!params.is_object()) return FormatError("params: expected an object");
  if (auto v = Field(params, "hnsw_ef")) { ASSIGN_OR_RETURN(o.hnsw_ef, ReadUint(*v, "params.hnsw_ef")); }
  if (o.hnsw_ef > 65536) return Status::InvalidArgument("Wrong input: params.hnsw_ef must be at most 65536");
  if (auto v = Field(params, "exact")) { ASSIGN_OR_RETURN(o.exact, ReadBool(*v, "params.exact")); }
  // Our extension for IVF collections (`nprobe` as QDRANT_COMPAT.md names it, too).
  auto nprobe = Field(params, "ivf_nprobe");
  if (!nprobe) nprobe = Field(params, "nprobe");
  if (nprobe) { ASSIGN_OR_RETURN(o.ivf_nprobe, ReadUint(*nprobe, "params.ivf_nprobe")); }
  if (o.ivf_nprobe > 65536) return Status::InvalidArgument("Wrong input: params.ivf_nprobe must be at most 65536");
  if (auto q = Field(params, "quantization"); q && !q->is_null()) {
    if (!q->is_object()) return FormatError("params.quantization: expected an object");
    if (auto v = Field(*q, "ignore")) {
      ASSIGN_OR_RETURN(o.ignore_quantization, ReadBool(*v, "params.quantization.ignore"));
    }
    if (auto v = Field(*q, "rescore")) { ASSIGN_OR_RETURN(o.rescore, ReadBool(*v, "params.quantization.rescore")); }
    if (auto v = Field(*q, "oversampling"); v && !v->is_null()) {
      ASSIGN_OR_RETURN(o.oversampling, ReadNumber(*v, "params.quantization.oversampling"));
      if (!(o.oversampling >= 1.0 && o.oversampling <= 100.0)) {
        return Status::InvalidArgument("Wrong input: params.quantization.oversampling must be between 1 and 100");
      }
    }
  }
  return Status::OK();
}

}  // namespace sextant::api
