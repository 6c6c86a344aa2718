// Collection: one named set of points with one vector config.
//
// Owns its segments and its CollectionStore. Writes are validated, appended to
// the store with their op-log record, made durable (concurrent writers share the
// fsync), then applied to memory in order: when Upsert/Delete return, the write
// is durable and searchable. Searches merge the hits of every segment and skip
// tombstoned offsets.
//
// Thread safety: every public method may be called concurrently. Writers are
// ordered by write_mu_ only while they append; searches never block writers
// except for the brief moment a segment list is swapped.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "core/chunked_array.h"
#include "core/collection_config.h"
#include "core/filter.h"
#include "core/payload_index.h"
#include "core/point_types.h"
#include "core/read_epochs.h"
#include "core/drift/drift_monitor.h"
#include "core/segment.h"

namespace sextant {

class CollectionStore;
class DriftWorker;
class Optimizer;
struct SegmentManifest;
struct StorageFaults;

// What Collection::Checkpoint wrote.
struct CollectionCheckpoint {
  CollectionConfig config;
  SeqNo min_seq = 0;  // the copy holds every write up to at least this one
  std::vector<std::string> segment_files;  // names under segments/
};

class Collection : public std::enable_shared_from_this<Collection> {
 public:
  struct Env {
    Optimizer* optimizer = nullptr;  // not owned; outlives the collection
    // Not owned; outlives the collection. Null: drift statistics are computed
    // on the writer's thread before Upsert returns.
    DriftWorker* drift_worker = nullptr;
    size_t build_threads = 1;        // threads per index build
    std::shared_ptr<StorageFaults> faults;  // test hook (storage/collection_store.h)
  };

  // Creates the collection's directory `dir` (must not exist) and store.
  static Result<std::shared_ptr<Collection>> Create(const std::string& dir, const std::string& name,
                                                    const CollectionConfig& config, const Env& env);
  // Opens an existing collection directory: loads its saved segments, replays
  // the op log after them, and recovers any point no valid segment file holds
  // from the store. Never rebuilds an index that was saved.
  // With `rename_to`, the collection takes that name first (a snapshot
  // restored under another name).
  static Result<std::shared_ptr<Collection>> Open(const std::string& dir, const Env& env,
                                                  const std::string* rename_to = nullptr);
  ~Collection();

  const std::string& name() const { return name_; }
  // The config now (index settings change through UpdateConfig; the vector
  // size, metric and write policy never change).
  CollectionConfig config() const;
  // Applies `edit` to the config (Qdrant's PATCH /collections/{name}, and the
  // ivf_config endpoints), validates and persists it (synced) before it takes
  // effect. Segments built otherwise than the new config says are rebuilt in
  // the background; searches keep using them until their replacement is ready.
  Status UpdateConfig(const std::function<Status(CollectionConfig*)>& edit);
  // The sequence number of the last write appended.
  SeqNo last_seq() const { return last_seq_.load(); }

  // Upserts replace whole points (vector and payload). Later duplicates of an id
  // in one call win. Returns the operation's sequence number.
  Result<SeqNo> Upsert(std::vector<PointInput> points);
  // Deleting an absent id is not an error.
  Result<SeqNo> Delete(std::span<const PointId> ids);
  // Deletes every point the filter matches (re-checked against each point's
  // latest version inside the write, so a concurrent update that makes a point
  // stop matching keeps it).
  Result<SeqNo> DeleteByFilter(const Filter& filter);
  // Applies a payload operation to the selected points, each as a new version
  // of the point (same vector). Listed ids that do not exist: NotFound, and
  // nothing changes. Returns the write's sequence number (the last one if
  // nothing was selected).
  Result<SeqNo> UpdatePayload(const PointSelector& selector, const PayloadOp& op);

  // Payload indexes (core/payload_index.h). Creating one indexes every stored
  // point before it returns and then serves filters on that field; creating
  // an existing one again with the same schema changes nothing, with another
  // schema replaces it. Both persist their definition (synced) before they
  // return; the contents are rebuilt from the stored payloads at open.
  Status CreateFieldIndex(const std::string& field, PayloadSchema schema);
  // Not an error if there is no such index.
  Status DropFieldIndex(const std::string& field);
  // The live offsets whose points match the filter: indexed conditions from
  // their bitmaps, others by reading the stored payloads. InvalidArgument if a
  // condition's value type does not fit the payload index on its field.
  Result<Bitmap> ResolveFilter(const Filter& filter) const;

  Result<std::vector<ScoredPoint>> Query(const QueryOptions& options) const;
  // Missing ids are skipped, as Qdrant does.
  Result<std::vector<Record>> Retrieve(std::span<const PointId> ids, bool with_payload,
                                       bool with_vector) const;
  // Points in id order from `from` (inclusive); next_page_offset is the id of
  // the first point after the page, or empty at the end.
  Result<ScrollPage> Scroll(std::optional<PointId> from, size_t limit, bool with_payload,
                            bool with_vector, const Filter* filter = nullptr) const;
  size_t Count() const;
  Result<size_t> Count(const Filter& filter) const;
  CollectionInfo Info() const;
  // The store's RocksDB sizes (for /metrics).
  StoreSizes GetStoreSizes() const;

  // When the optimizer rebuilds a segment from its live points (vacuum):
  // Qdrant's defaults, which collection info reports as
  // optimizer_config.deleted_threshold and vacuum_min_vector_number.
  static constexpr double kVacuumDeletedShare = 0.2;
  static constexpr size_t kVacuumMinVectors = 1000;
  // Called by the optimizer thread: indexes one frozen segment, or rebuilds one
  // (changed index config, vacuum). Sets *more when another step is due.
  Status OptimizeStep(bool* more);

  // Writes a consistent copy of the collection as of now into `dir` (which
  // must not exist): the store's RocksDB checkpoint under store/ and the saved
  // segment files under segments/ (hard links where possible). Opening `dir`
  // gives a collection holding every write acknowledged before the call (and
  // maybe some in flight). Writes, searches and index builds go on
  // meanwhile; only saving a built index waits. (collection_snapshot.cc)
  Result<CollectionCheckpoint> Checkpoint(const std::string& dir);

  // Marks the collection deleted: writes a DELETED marker (so a crash before the
  // directory is gone still deletes it on the next start), stops background
  // work, and the destructor removes the directory once the last user lets go.
  Status MarkDropped();

  // Drift statistics of the accepted writes (collection_drift.cc,
  // core/drift/drift_monitor.h). Config changes and baseline pins are saved
  // (synced) before they return; the statistics every few seconds and at close.
  // `flush`: first feed every write acknowledged before the call (a scrape
  // that must not wait for a backlog passes false).
  DriftReport Drift(const DriftMonitor::Query& query, bool flush = true);
  // Feeds the queue and saves the statistics (before a snapshot).
  Status FlushAndSaveDrift();
  Status UpdateDriftConfig(const std::function<Status(DriftConfig*)>& edit);
  Status PinDriftBaseline();
  Status ResetDriftBaseline();
  // Points a handler refused for NaN or infinite values before they reached
  // the collection (they count as drift anomalies).
  void NoteNonFiniteRejected(uint64_t n);
  // Called by the DriftWorker: feeds the batches queued when it starts and
  // saves if due; true when more came meanwhile (the worker comes back).
  bool DrainDriftQueue();

  // Test hook: blocks until no frozen segment is waiting to be indexed.
  void TEST_WaitForIndexing() const;
  // Chunks of the per-offset id table allocated now (dead ones are freed).
  size_t TEST_OffsetTableChunks() const { return offset_info_.AllocatedChunks(); }
  // Test hook: replays the op log from `from` again (as the open did); must
  // change nothing.
  Status TEST_ReplayOpLog(SeqNo from);
  // Index builds this collection object has run (0 right after an open that
  // loaded every segment from its file).
  uint64_t index_builds() const { return index_builds_; }
  // Saved segment files and the first op-log sequence a restart would replay.
  Result<SegmentManifest> TEST_Manifest() const;

 private:
  struct FieldIndexEntry {
    std::unique_ptr<FieldIndex> index;     // complete; serves filters (null while the first is built)
    std::unique_ptr<FieldIndex> building;  // being filled by CreateFieldIndex; takes writes too
  };
  struct OffsetInfo {
    PointId id;
    SeqNo version = 0;
  };
  // A write between its append to the store and its application to memory.
  struct PendingWrite {
    SeqNo seq = 0;
    std::vector<PointInput> upserts;  // validated, normalised, unique ids
    std::vector<Offset> offsets;      // one per upsert
    std::vector<PointId> deletes;
  };

  Collection(std::string dir, std::string name, CollectionConfig config, Env env,
             std::unique_ptr<CollectionStore> store);
  // Opening (collection_recovery.cc).
  Status Recover();
  // Adds every live point whose offset is not in `held` (one flag per offset:
  // some segment holds it) to the growing segment, with the vector of its
  // point record (the op log from `replay_from` on says which write stored it).
  Status RestoreUnindexedPoints(SeqNo replay_from, std::vector<bool> held);
  // Writes the manifest of the saved segments, trims the op log before its
  // replay_from and removes segment files it does not list.
  // REQUIRES: manifest_mu_ held.
  Status PersistManifest();
  // The manifest the store holds (empty before the first segment is saved).
  Result<SegmentManifest> StoredManifest() const;
  Status RemoveUnlistedSegmentFiles(const SegmentManifest& manifest) const;
  std::string segments_dir() const { return dir_ + "/segments"; }
  // Orders, appends, syncs and applies one write (collection_write.cc).
  Result<SeqNo> Commit(PendingWrite write);
  // REQUIRES: apply_mu_ held (or no concurrent writer, while opening).
  // As Commit, with `prepare` run first under write_mu_ (it fills the write
  // from the points' latest versions, which no other write can change then).
  // A write left empty by prepare appends nothing and returns the last seq.
  Result<SeqNo> Commit(PendingWrite write, const std::function<Status(PendingWrite*)>& prepare);
  struct LatestPoint {
    std::vector<float> vector;
    std::string payload;
  };
  // The latest version of a point, appended writes included.
  // REQUIRES: write_mu_ held.
  Result<std::optional<LatestPoint>> GetLatest(const PointId& id);
  // As ResolveFilter; with `for_write`, offsets the payload scan matched stay in
  // even if a concurrent update replaced them since (the write re-checks each
  // point's latest version, so a candidate too many is harmless, one too few
  // is a lost match).
  // `scan_ids` (with for_write) receives the id of every offset the payload
  // scan read: some may belong to writes not yet applied, whose offset_info_
  // is not set yet.
  Result<Bitmap> ResolveFilterImpl(const Filter& filter, bool for_write,
                                   std::unordered_map<Offset, PointId>* scan_ids = nullptr) const;
  // Candidate ids for a write selecting by filter (by their matching
  // versions' offsets, not the id map, which may have moved on).
  Result<std::vector<PointId>> MatchingIds(const Filter& filter) const;
  // The payloads of `points` parsed for the payload indexes (empty when there
  // is no index).
  std::vector<JsonValue> PayloadsToIndex(std::span<const PointInput> points) const;
  // Adds applied upserts to the live set and, with their parsed payloads, to
  // every payload index. REQUIRES: payload_mu_ held exclusively.
  void AddToIndexesLocked(std::span<const Offset> offsets, const std::vector<JsonValue>& payloads);
  // Opening: the index definitions from the store and their contents from
  // every stored payload.
  Status LoadFieldIndexes();
  // Stores these index definitions (synced). REQUIRES: index_admin_mu_ held.
  Status PersistFieldIndexes(const std::map<std::string, PayloadSchema>& defs) const;
  std::map<std::string, PayloadSchema> FieldIndexDefinitions() const;
  Status FillFieldIndex(FieldIndex* index) const;
  Status ApplyWrite(const PendingWrite& write);
  Status ApplyUpserts(std::span<const PointInput> points, std::span<const Offset> offsets, SeqNo seq);
  // Appends rows to the growing segment, rotating it at the indexing threshold.
  // REQUIRES: apply_mu_ held; offsets above every offset already appended.
  Status AppendToGrowing(std::span<const Offset> offsets, MatrixView rows, SeqNo first_seq, SeqNo last_seq);
  void ApplyDelete(const PointId& id);
  // Tombstones an offset; retires its offset_info_ chunk once all of the
  // chunk's offsets are dead. REQUIRES: ids_mu_ held exclusively.
  void MarkDeadLocked(Offset offset);
  void RotateGrowingSegmentIfFull();
  std::shared_ptr<Segment> NewGrowingSegment();
  std::vector<std::shared_ptr<Segment>> SegmentsSnapshot() const;
  // Whether an indexed segment holds so many deleted (or overwritten) points
  // that the optimizer should rebuild it from its live ones (collection_optimize.cc):
  // at least kVacuumMinVectors of them, and kVacuumDeletedShare of the segment.
  bool NeedsVacuum(const Segment& segment) const;
  // The segment the optimizer's next step (re)builds, or nullptr when none is due
  // (collection_optimize.cc has the order). OptimizeStep picks its work and
  // decides whether another step is due with it.
  std::shared_ptr<Segment> NextToOptimize(const std::vector<std::shared_ptr<Segment>>& segments,
                                          const IndexSpec& spec) const;
  // Appends the segment's live points, in offset order, and their vectors.
  void LiveVectors(const Segment& segment, std::vector<Offset>* offsets, std::vector<float>* rows) const;
  // The filtered search of Query: one plan per segment (core/filter_planner.h).
  Status SearchFiltered(const std::vector<std::shared_ptr<Segment>>& segments, VectorView query,
                        const QueryOptions& options, const Bitmap& matching, const SearchParams& base,
                        std::vector<Hit>* hits) const;
  const float* VectorOf(const std::vector<std::shared_ptr<Segment>>& segments, Offset offset) const;
  Status Materialize(ScoredPoint* point, bool with_payload, bool with_vector) const;
  void Schedule();

  const std::string dir_;
  const std::string name_;
  // dim, metric and write_policy are read without a lock (they never
  // change); the index settings only under config_mu_ (config()).
  CollectionConfig config_;
  mutable std::shared_mutex config_mu_;
  std::mutex config_update_mu_;  // one UpdateConfig at a time
  const Env env_;
  std::unique_ptr<CollectionStore> store_;

  // Writes are ordered under write_mu_ (sequence number, offsets, append to the
  // store), made durable outside it (group commit), then applied to memory in
  // sequence order under apply_mu_. Lock order: write_mu_ before apply_mu_.
  std::mutex write_mu_;
  Offset next_offset_ = 0;                // GUARDED_BY(write_mu_)
  std::atomic<SeqNo> last_seq_{0};        // last appended write
  std::mutex apply_mu_;
  std::deque<PendingWrite> pending_;      // GUARDED_BY(apply_mu_); in seq order
  SeqNo durable_seq_ = 0;                 // GUARDED_BY(apply_mu_)
  SeqNo applied_seq_ = 0;                 // GUARDED_BY(apply_mu_); last write in memory
  std::shared_ptr<Segment> growing_;      // GUARDED_BY(apply_mu_)
  std::atomic<uint64_t> next_segment_id_{0};

  mutable std::shared_mutex segments_mu_;
  std::vector<std::shared_ptr<Segment>> segments_;  // GUARDED_BY(segments_mu_)

  mutable std::shared_mutex ids_mu_;
  std::map<PointId, Offset> id_to_offset_;  // GUARDED_BY(ids_mu_); ordered for scroll

  // Written by the writer before publication. A chunk whose offsets are all
  // dead is unlinked and freed through read_epochs_ (MarkDeadLocked): every
  // write takes a new offset, so without that the table would grow by 32 bytes
  // a write, overwrites included, for as long as the server runs. Readers
  // hold a read_epochs_ pin while they look entries up and skip missing ones.
  ChunkedArray<OffsetInfo> offset_info_;
  ReadEpochs read_epochs_;
  std::vector<uint32_t> dead_in_chunk_;  // GUARDED_BY(ids_mu_); tombstones per offset_info_ chunk
  // Every offset below this has its offset_info_ set (or was never live).
  std::atomic<Offset> applied_offset_end_{0};
  OffsetBitset deleted_;                  // tombstones by offset
  // Deletes since the optimizer was last woken for them: overwrites wake it
  // anyway (their new versions fill segments), deletes alone every so many.
  std::atomic<size_t> deletes_since_wake_{0};

  // Payload indexes. schema_mu_ guards which indexes exist and are ready
  // (shared while a filter is resolved, exclusive for the moment an index is
  // added, made ready or removed); payload_mu_ guards their contents and the
  // live set (exclusive while a write updates them). Lock order: schema_mu_
  // before payload_mu_; index_admin_mu_ serialises create/drop.
  std::mutex index_admin_mu_;
  mutable std::shared_mutex schema_mu_;
  mutable std::shared_mutex payload_mu_;
  std::map<std::string, FieldIndexEntry> field_indexes_;  // by field path text
  Bitmap live_;  // offsets of live points (GUARDED_BY(payload_mu_))

  std::mutex optimize_mu_;  // one optimizer step at a time (the index build included)
  // The segment files on disk and the manifest record: held while a built
  // index is saved, swapped in and listed, and while a checkpoint copies them,
  // but not during the build itself, so a snapshot never waits for a build.
  // Lock order: optimize_mu_, then manifest_mu_, then apply_mu_ / segments_mu_.
  std::mutex manifest_mu_;
  uint64_t next_file_number_ = 1;  // GUARDED_BY(manifest_mu_)
  std::atomic<uint64_t> index_builds_{0};
  mutable std::mutex indexing_mu_;
  mutable std::condition_variable indexing_cv_;
  std::atomic<bool> dropped_{false};

  // Drift (collection_drift.cc).
  Status LoadDrift();
  // Queues an accepted batch for the drift monitor (or feeds it at once when
  // there is no worker). Waits while the queue is over its bound.
  void ObserveDrift(std::vector<float> rows, std::vector<float> norms);
  // Feeds the oldest queued batch if its number is <= up_to; false when there
  // is none. Feeders take turns (drift_feed_mu_), so batches are fed in order.
  bool FeedOneDriftBatch(uint64_t up_to);
  // Feeds every batch queued before the call (a report then sees every
  // acknowledged write), and no more: writers cannot keep it going.
  void FlushDriftQueue();
  void FeedDrift(const std::vector<float>& rows, const std::vector<float>& norms);
  // Saves the statistics if the last save is older than kDriftSaveInterval.
  void MaybeSaveDrift();
  Status SaveDrift();
  struct DriftBatch {
    uint64_t seq = 0;
    std::vector<float> rows, norms;
  };
  std::mutex drift_feed_mu_;    // held while a batch is taken and fed
  std::mutex drift_config_mu_;  // one config edit at a time
  std::mutex drift_queue_mu_;
  std::condition_variable drift_queue_cv_;
  std::deque<DriftBatch> drift_queue_;  // GUARDED_BY(drift_queue_mu_)
  size_t drift_queue_bytes_ = 0;        // GUARDED_BY(drift_queue_mu_); queued and being fed
  uint64_t drift_queued_seq_ = 0;       // GUARDED_BY(drift_queue_mu_): the last batch queued
  uint64_t drift_fed_seq_ = 0;          // GUARDED_BY(drift_queue_mu_): the last batch fed
  bool drift_scheduled_ = false;                // GUARDED_BY(drift_queue_mu_): the worker will drain
  std::unique_ptr<DriftMonitor> drift_;  // set at Create/Open, then never replaced
  std::mutex drift_save_mu_;
  std::chrono::steady_clock::time_point drift_saved_at_;  // GUARDED_BY(drift_save_mu_)
};

}  // namespace sextant
