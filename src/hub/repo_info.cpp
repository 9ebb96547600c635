#include "repo_info.h"

#include "automodel/core/error.h"
#include "automodel/hub/json_file.h"
#include "automodel/hub/resolve.h"
#include "hub_cache.h"

namespace automodel::hub_detail {

namespace {
constexpr std::size_t kMaxInfoBytes = 64u << 20;  // a repo with ~100k files still fits
}

RepoInfo parse_repo_info(std::string_view body, const std::string& what) {
  const json j = parse_json(body, what);
  AM_CHECK(j.is_object(), what, ": expected a JSON object, found ", json_type_name(j));
  AM_CHECK(j.contains("sha"), what, ": missing 'sha' (the commit hash of the revision)");
  const json& sha = j["sha"];
  AM_CHECK(sha.is_string(), what, ": 'sha' must be a string, found ", json_type_name(sha));
  RepoInfo info;
  info.commit = sha.get<std::string>();
  AM_CHECK(is_commit_hash(info.commit), what, ": 'sha' must be a 40-hex commit hash, found '", info.commit, "'");
  AM_CHECK(j.contains("siblings"), what, ": missing 'siblings' (the repo's file list)");
  const json& siblings = j["siblings"];
  AM_CHECK(siblings.is_array(), what, ": 'siblings' must be an array, found ", json_type_name(siblings));
  for (size_t i = 0; i < siblings.size(); ++i) {
    const json& s = siblings[i];
    AM_CHECK(s.is_object(), what, ": siblings[", i, "] must be an object, found ", json_type_name(s));
    AM_CHECK(s.contains("rfilename"), what, ": siblings[", i, "] has no 'rfilename'");
    const json& name = s["rfilename"];
    AM_CHECK(name.is_string(), what, ": siblings[", i, "].rfilename must be a string, found ", json_type_name(name));
    info.files.push_back(name.get<std::string>());
    check_repo_path(info.files.back(), str_cat(what, ": siblings[", i, "]"));
  }
  return info;
}

RepoInfo fetch_repo_info(HttpClient& http, HubRequest request) {
  request.method = "GET";
  request.url = str_cat(request.endpoint, "/api/models/", request.repo_id, "/revision/",
                        url_quote(request.revision, false));
  HttpResponse r = http.get(request.url, kMaxInfoBytes);
  if (!r.ok()) fail_hub_response(r, request);
  return parse_repo_info(r.body, str_cat(describe(request), ": GET ", request.url));
}

}  // namespace automodel::hub_detail
