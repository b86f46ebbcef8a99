// SPDX-License-Identifier: MIT
#include "runtime/session_loader.h"

#include <cstdlib>
#include <mutex>
#include <vector>

namespace onnxwasm {
namespace {

// The sessions on offer: each with the digest of its bytes and its options. Held weakly, so a
// session goes when its last holder releases it.
struct Offer {
  ContentDigest digest;
  SessionOptions options;
  std::weak_ptr<Session> session;
};

std::mutex offers_mutex;
std::vector<Offer>& offers() {
  static std::vector<Offer> list;
  return list;
}

// Under offers_mutex: drops released sessions.
void prune() {
  auto& list = offers();
  for (size_t i = 0; i < list.size();)
    if (list[i].session.expired()) list.erase(list.begin() + i);
    else i++;
}

bool offered_size(size_t size, const SessionOptions& options) {
  std::lock_guard<std::mutex> lock(offers_mutex);
  prune();
  for (const Offer& o : offers())
    if (o.digest.size == size && o.options == options) return true;
  return false;
}

std::shared_ptr<Session> find_offer(const ContentDigest& digest, const SessionOptions& options) {
  std::lock_guard<std::mutex> lock(offers_mutex);
  for (const Offer& o : offers())
    if (o.digest == digest && o.options == options)
      if (std::shared_ptr<Session> s = o.session.lock()) return s;
  return nullptr;
}

void offer(const ContentDigest& digest, const SessionOptions& options, const std::shared_ptr<Session>& session) {
  std::lock_guard<std::mutex> lock(offers_mutex);
  prune();
  offers().push_back(Offer{digest, options, session});
}

// The model's bytes passed on to the parser and, read front to back once each, hashed.
class HashingReader : public ModelReader {
 public:
  HashingReader(ModelReader& inner, ContentHasher* hasher) : inner_(inner), hasher_(hasher) {}
  Status read(size_t offset, size_t n, void* dst) override {
    OW_RETURN_IF_ERROR(inner_.read(offset, n, dst));
    if (!hasher_) return Status::ok();
    if (offset != next_) in_order_ = false;
    if (in_order_) hasher_->update(dst, n);
    next_ = offset + n;
    return Status::ok();
  }
  // Every byte of `size` was hashed, in order.
  bool hashed_all(size_t size) const { return hasher_ && in_order_ && next_ == size; }

 private:
  ModelReader& inner_;
  ContentHasher* hasher_;
  size_t next_ = 0;
  bool in_order_ = true;
};

// External data passed on, noting whether the model used any.
class NotingExternalData : public ExternalData {
 public:
  explicit NotingExternalData(ExternalData* inner) : inner_(inner) {}
  Result<uint64_t> size(const std::string& location) override {
    used_ = true;
    return inner_->size(location);
  }
  Status read(const std::string& location, uint64_t offset, uint64_t length, void* dst) override {
    used_ = true;
    return inner_->read(location, offset, length, dst);
  }
  bool used() const { return used_; }

 private:
  ExternalData* inner_;
  bool used_ = false;
};

// The digest of all `size` bytes, read in pieces through a buffer that stays in cache.
Result<ContentDigest> hash_model(ModelReader& reader, size_t size) {
  constexpr size_t kPiece = 1 << 18;
  std::unique_ptr<uint8_t, decltype(&free)> buffer(static_cast<uint8_t*>(malloc(kPiece)), &free);
  OW_CHECK(buffer != nullptr, OUT_OF_MEMORY, "could not allocate %zu bytes to read the model", kPiece);
  ContentHasher hasher;
  for (size_t offset = 0; offset < size; offset += kPiece) {
    const size_t n = size - offset < kPiece ? size - offset : kPiece;
    OW_RETURN_IF_ERROR(reader.read(offset, n, buffer.get()).with_context("reading the model"));
    hasher.update(buffer.get(), n);
  }
  return hasher.finish();
}

}  // namespace

Status SessionLoader::read(ModelReader& reader, size_t size, ExternalData* external, const SessionOptions& options,
                           const std::function<void()>& before_parse) {
  options_ = options;
  shared_.reset();
  model_.reset();
  shareable_ = false;
  const bool hashing = ContentHasher::available();
  bool digested = false;
  if (hashing && size > 0 && offered_size(size, options)) {
    OW_ASSIGN_OR_RETURN(digest_, hash_model(reader, size));
    digested = true;
    shared_ = find_offer(digest_, options);
    if (shared_) return Status::ok();
  }
  if (before_parse) before_parse();
  ContentHasher hasher;
  HashingReader hashing_reader(reader, hashing && !digested ? &hasher : nullptr);
  NotingExternalData noting(external);
  OW_ASSIGN_OR_RETURN(Model model, load_model(hashing_reader, size, external ? &noting : nullptr));
  model_ = std::make_unique<Model>(std::move(model));
  if (!digested && hashing_reader.hashed_all(size)) {
    digest_ = hasher.finish();
    digested = true;
  }
  shareable_ = digested && !noting.used();
  return Status::ok();
}

Result<std::shared_ptr<Session>> SessionLoader::create() {
  if (shared_) return std::move(shared_);
  OW_CHECK(model_ != nullptr, INVALID_STATE, "no model was read to create a session from");
  std::unique_ptr<Model> model = std::move(model_);
  OW_ASSIGN_OR_RETURN(std::unique_ptr<Session> made, Session::create(std::move(*model), options_));
  std::shared_ptr<Session> session(std::move(made));
  if (shareable_) offer(digest_, options_, session);
  return session;
}

size_t SessionLoader::live_shared() {
  std::lock_guard<std::mutex> lock(offers_mutex);
  prune();
  return offers().size();
}

}  // namespace onnxwasm
