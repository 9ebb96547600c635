// Turning a failed Hub request into a message a person can act on: it names the repo,
// revision, commit and file, says what the Hub answered, and how to fix it (HF_TOKEN for
// gated/private repos, HF_HUB_OFFLINE for no network), following huggingface_hub's reading of
// the X-Error-Code / X-Error-Message headers.
#pragma once

#include <string>

#include "http_client.h"

namespace automodel::hub_detail {

struct HubRequest {
  std::string endpoint;
  std::string repo_id;
  std::string revision;
  std::string commit;  // when known
  std::string file;    // empty for the repo info request
  std::string method;  // "GET" / "HEAD"
  std::string url;
  bool token_sent = false;
};

// "'org/name' (revision 'main', commit 0123abc, file 'config.json')"
std::string describe(const HubRequest& r);

[[noreturn]] void fail_hub_response(const HttpResponse& response, const HubRequest& request);

}  // namespace automodel::hub_detail
