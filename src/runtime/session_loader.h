// SPDX-License-Identifier: MIT
// Session creation in two steps, read() then create(), so that an embedder can start threads
// between them (reading needs none). Sessions created from the same model bytes with the same
// options share one compiled Session: its packed weights, plans and arena are made once, and a
// second session of a model costs one pass over its bytes to check that they are the same
// (a keyed digest, content_hash.h). That is what an application pays that opens a model in
// several places, or a server that holds one session per request. Models with external data
// are not shared (the files are not part of the bytes checked).
#pragma once
#include <cstddef>
#include <functional>
#include <memory>

#include "core/status.h"
#include "model/load.h"
#include "runtime/content_hash.h"
#include "runtime/session.h"

namespace onnxwasm {

class SessionLoader {
 public:
  // Reads the model of `size` bytes. Where a live session came from the same bytes with the
  // same options, only hashes them; otherwise parses them (hashing as it goes), calling
  // `before_parse` first.
  Status read(ModelReader& reader, size_t size, ExternalData* external, const SessionOptions& options,
              const std::function<void()>& before_parse = {});
  // The session: the shared one, or a new one compiled from what read() parsed (and then
  // offered to later sessions of the same bytes and options).
  Result<std::shared_ptr<Session>> create();

  // Live shared sessions, for tests.
  static size_t live_shared();

 private:
  SessionOptions options_;
  std::shared_ptr<Session> shared_;
  std::unique_ptr<Model> model_;
  bool shareable_ = false;
  ContentDigest digest_;
};

}  // namespace onnxwasm
