// Environment rules of huggingface_hub's constants.py / _auth.py, repo ids, and SHA-256.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "automodel/core/error.h"
#include "automodel/hub/resolve.h"
#include "fixtures.h"
#include "hub/sha256.h"
#include "scoped_env.h"

namespace automodel {
namespace {

using testing::ScopedEnv;

TEST(HubEnv, CacheDirPrecedenceMatchesHuggingfaceHub) {
  ScopedEnv env;
  testing::clear_hub_env(env);
  env.set("HOME", "/home/u");
  EXPECT_EQ(hub_cache_dir(), "/home/u/.cache/huggingface/hub");
  env.set("XDG_CACHE_HOME", "/xdg");
  EXPECT_EQ(hub_cache_dir(), "/xdg/huggingface/hub");
  env.set("HF_HOME", "/hfhome");
  EXPECT_EQ(hub_cache_dir(), "/hfhome/hub");
  EXPECT_EQ(hf_home_dir(), "/hfhome");
  env.set("HUGGINGFACE_HUB_CACHE", "/legacy");
  EXPECT_EQ(hub_cache_dir(), "/legacy");
  env.set("HF_HUB_CACHE", "/new");
  EXPECT_EQ(hub_cache_dir(), "/new");
}

TEST(HubEnv, ExpandsUserAndVariablesLikePython) {
  ScopedEnv env;
  testing::clear_hub_env(env);
  env.set("HOME", "/home/u");
  env.set("MY_ROOT", "/data");
  env.set("HF_HOME", "~/hf");
  EXPECT_EQ(hub_cache_dir(), "/home/u/hf/hub");
  env.set("HF_HUB_CACHE", "$MY_ROOT/cache/${MY_ROOT}");
  EXPECT_EQ(hub_cache_dir(), "/data/cache//data");
  env.set("HF_HUB_CACHE", "$NOT_SET_ANYWHERE_X/c");  // unknown variables stay, as in os.path.expandvars
  EXPECT_EQ(hub_cache_dir(), "$NOT_SET_ANYWHERE_X/c");
}

TEST(HubEnv, EndpointAndOfflineFlags) {
  ScopedEnv env;
  testing::clear_hub_env(env);
  EXPECT_EQ(hub_endpoint(), "https://huggingface.co");
  env.set("HF_ENDPOINT", "http://mirror.local:8080//");
  EXPECT_EQ(hub_endpoint(), "http://mirror.local:8080");
  EXPECT_FALSE(hub_offline_mode());
  for (const char* v : {"1", "ON", "yes", "True"}) {
    env.set("HF_HUB_OFFLINE", v);
    EXPECT_TRUE(hub_offline_mode()) << v;
  }
  for (const char* v : {"0", "off", "no", ""}) {
    env.set("HF_HUB_OFFLINE", v);
    EXPECT_FALSE(hub_offline_mode()) << v;
  }
  env.unset("HF_HUB_OFFLINE");
  env.set("TRANSFORMERS_OFFLINE", "1");
  EXPECT_TRUE(hub_offline_mode());
}

TEST(HubEnv, TokenFromEnvironmentThenFile) {
  ScopedEnv env;
  testing::clear_hub_env(env);
  const auto dir = testing::scratch_dir("hub_env_token");
  env.set("HF_HOME", dir.string());
  EXPECT_FALSE(hub_token().has_value());
  std::ofstream(dir / "token") << "  hf_fromfile\r\n";
  EXPECT_EQ(hub_token(), "hf_fromfile");
  std::ofstream(dir / "other") << "hf_pathvar\n";
  env.set("HF_TOKEN_PATH", (dir / "other").string());
  EXPECT_EQ(hub_token(), "hf_pathvar");
  env.set("HUGGING_FACE_HUB_TOKEN", "hf_legacy");
  EXPECT_EQ(hub_token(), "hf_legacy");
  env.set("HF_TOKEN", " hf_env\n");
  EXPECT_EQ(hub_token(), "hf_env");
}

TEST(HubRepoId, FolderNameAndValidation) {
  EXPECT_EQ(hub_repo_folder_name("meta-llama/Llama-3.2-1B"), "models--meta-llama--Llama-3.2-1B");
  EXPECT_EQ(hub_repo_folder_name("gpt2"), "models--gpt2");
  for (const char* ok : {"gpt2", "org/name", "Foo-BAR_foo.bar123", "a/b_", "123"}) EXPECT_NO_THROW(validate_repo_id(ok)) << ok;
  for (const char* bad : {"", "a/b/c", "foo--bar", "a..b", ".repo", "repo-", "a b", "org/", "/name", "x/y?"}) {
    try {
      validate_repo_id(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("not a valid Hugging Face repo id"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(validate_repo_id(std::string(97, 'a')), Error);
}

TEST(HubRepoId, CommitHashIsFortyLowercaseHex) {
  EXPECT_TRUE(is_commit_hash("0123456789abcdef0123456789abcdef01234567"));
  EXPECT_FALSE(is_commit_hash("0123456789ABCDEF0123456789abcdef01234567"));
  EXPECT_FALSE(is_commit_hash("main"));
  EXPECT_FALSE(is_commit_hash("0123456789abcdef0123456789abcdef0123456"));
}

// FIPS 180-2 / NIST test vectors.
TEST(Sha256, KnownVectors) {
  using hub_detail::sha256_hex;
  EXPECT_EQ(sha256_hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  EXPECT_EQ(sha256_hex(two_blocks.data(), two_blocks.size()),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string million(1000000, 'a');
  EXPECT_EQ(sha256_hex(million.data(), million.size()),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Streaming in odd pieces gives the same digest.
  hub_detail::Sha256 h;
  for (size_t i = 0; i < million.size(); i += 997) h.update(million.data() + i, std::min<size_t>(997, million.size() - i));
  EXPECT_EQ(h.hex_digest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

}  // namespace
}  // namespace automodel
