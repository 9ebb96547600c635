// GET {endpoint}/api/models/{repo}/revision/{revision}: the commit a revision points to
// ("sha") and the repo's files ("siblings"[].rfilename), as huggingface_hub's repo_info reads it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hub_errors.h"
#include "http_client.h"

namespace automodel::hub_detail {

struct RepoInfo {
  std::string commit;
  std::vector<std::string> files;
};

// Validates the API answer; `what` names it in errors ("GET <url>"). Throws on malformed JSON,
// a missing/invalid "sha", or "siblings" that is not an array of {"rfilename": string}.
RepoInfo parse_repo_info(std::string_view body, const std::string& what);

// The request, with errors mapped by fail_hub_response. `request` carries repo and revision.
RepoInfo fetch_repo_info(HttpClient& http, HubRequest request);

}  // namespace automodel::hub_detail
