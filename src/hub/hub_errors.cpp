#include "hub_errors.h"

#include "automodel/core/error.h"

namespace automodel::hub_detail {

std::string describe(const HubRequest& r) {
  std::string s = str_cat("'", r.repo_id, "' (revision '", r.revision, "'");
  if (!r.commit.empty() && r.commit != r.revision) s += str_cat(", commit ", r.commit.substr(0, 12));
  if (!r.file.empty()) s += str_cat(", file '", r.file, "'");
  return s + ")";
}

void fail_hub_response(const HttpResponse& response, const HubRequest& request) {
  const std::string subject = describe(request);
  const std::string where = str_cat(request.method, " ", request.url);
  if (!response.transport_error.empty() && response.status == 0) {
    fail(subject, ": cannot reach ", request.endpoint, ": ", response.transport_error, " (", where,
         "). Check the network or HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to use only the local cache");
  }
  const std::string* code_header = response.header("x-error-code");
  const std::string* message_header = response.header("x-error-message");
  const std::string code = code_header ? *code_header : "";
  const std::string detail = message_header ? str_cat(": ", *message_header) : "";
  const long status = response.status;
  const std::string token_hint =
      request.token_sent ? std::string("the token in use (HF_TOKEN or $HF_HOME/token) does not grant access")
                         : std::string("no token was sent: set HF_TOKEN (or log in so $HF_HOME/token exists)");

  if (code == "RevisionNotFound")
    fail(subject, ": revision '", request.revision, "' does not exist in the repo (HTTP ", status, detail, ", ",
         where, ")");
  if (code == "EntryNotFound" || (status == 404 && !request.file.empty() && code != "RepoNotFound"))
    fail(subject, ": the file does not exist in the repo at this revision (HTTP ", status, detail, ", ", where, ")");
  if (code == "GatedRepo" || status == 403)
    fail(subject, ": access denied (HTTP ", status, detail, "); the repo is gated or private: accept its conditions at ",
         request.endpoint, "/", request.repo_id, " and use a token that can read it; ", token_hint, " (", where, ")");
  if (status == 401 && message_header && *message_header == "Invalid credentials in Authorization header")
    fail(subject, ": the Hub rejected the token (HTTP 401", detail, "); check HF_TOKEN or $HF_HOME/token (", where,
         ")");
  if (code == "RepoNotFound" || status == 401 || status == 404)
    fail(subject, ": repository not found on ", request.endpoint, " (HTTP ", status, detail,
         "); check the repo id, and if it is private or gated, ", token_hint, " (", where, ")");
  if (!response.transport_error.empty())
    fail(subject, ": transfer failed after HTTP ", status, ": ", response.transport_error, " (", where, ")");
  fail(subject, ": the Hub answered HTTP ", status, detail, " (", where, ")");
}

}  // namespace automodel::hub_detail
